#include "kv/kv_cache.h"

#include <algorithm>
#include <string>

#include "kv/kv_type.h"
#include "vkllm/error.h"

namespace vkllm::kv {

uint64_t KvGeometry::bytes_per_token() const {
    return 2ull * layers * row_bytes(type, uint64_t(kv_heads) * head_dim);
}

uint32_t blocks_for_budget(const KvGeometry& geometry, uint64_t budget_bytes) {
    const uint64_t per_block = geometry.bytes_per_block();
    if (per_block == 0) throw InputError("KV cache geometry has a zero dimension");
    const uint64_t blocks = budget_bytes / per_block;
    if (blocks == 0)
        throw InputError("KV budget of " + std::to_string(budget_bytes) + " bytes holds no block (one block of " +
                         std::to_string(geometry.block_size) + " tokens needs " + std::to_string(per_block) +
                         " bytes); raise the KV budget");
    return uint32_t(std::min<uint64_t>(blocks, INT32_MAX));
}

KvCache::KvCache(const KvGeometry& geometry, uint32_t num_blocks) : geometry_(geometry), pool_(num_blocks) {
    if (geometry.block_size == 0) throw InputError("KV cache block size must be at least 1");
    check_cache_type(geometry.type, geometry.head_dim);
}

std::vector<int32_t> KvCache::append(int32_t id, uint32_t count) {
    auto existing = sequences_.find(id);
    const Sequence empty;
    const Sequence& current = existing != sequences_.end() ? existing->second : empty;
    const uint32_t bs = geometry_.block_size;
    const uint64_t new_length = uint64_t(current.length) + count;
    const uint64_t blocks_needed = (new_length + bs - 1) / bs;
    const uint64_t extra = blocks_needed - current.table.size();
    std::vector<int32_t> fresh;
    if (extra > INT32_MAX || !pool_.allocate(uint32_t(extra), fresh))
        throw Error("KV cache full: sequence " + std::to_string(id) + " needs " + std::to_string(extra) +
                    " more block(s) to hold " + std::to_string(new_length) + " tokens, but only " +
                    std::to_string(pool_.free_count()) + " of " + std::to_string(pool_.capacity()) +
                    " blocks are free; raise the KV budget");

    Sequence& seq = sequences_[id];
    seq.table.insert(seq.table.end(), fresh.begin(), fresh.end());
    std::vector<int32_t> slots(count);
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t pos = seq.length + i;
        slots[i] = seq.table[pos / bs] * int32_t(bs) + int32_t(pos % bs);
    }
    seq.length = uint32_t(new_length);
    return slots;
}

uint32_t KvCache::blocks_needed(int32_t id, uint32_t count) const {
    auto it = sequences_.find(id);
    const uint64_t length = it != sequences_.end() ? it->second.length : 0;
    const uint64_t held = it != sequences_.end() ? it->second.table.size() : 0;
    const uint64_t blocks = (length + count + geometry_.block_size - 1) / geometry_.block_size;
    return uint32_t(std::min<uint64_t>(blocks - held, UINT32_MAX));
}

void KvCache::free_sequence(int32_t id) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("KV cache: no sequence " + std::to_string(id) + " to free");
    for (int32_t block : it->second.table)
        if (block != kReleased) pool_.release(block);
    sequences_.erase(it);
}

uint32_t KvCache::release_before(int32_t id, uint32_t first_needed) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("KV cache: no sequence " + std::to_string(id));
    Sequence& seq = it->second;
    const uint32_t dead_blocks = std::min<uint32_t>(first_needed / geometry_.block_size, uint32_t(seq.table.size()));
    uint32_t released = 0;
    for (uint32_t b = seq.first_live; b < dead_blocks; ++b) {
        pool_.release(seq.table[b]);
        seq.table[b] = kReleased;
        ++released;
    }
    seq.first_live = std::max(seq.first_live, dead_blocks);
    return released;
}

uint32_t KvCache::release_outside_window(int32_t id, uint32_t window) {
    const uint32_t next_query = length(id);
    // The next query sees keys j > next_query - window.
    const uint32_t first_needed = next_query + 1 > window ? next_query + 1 - window : 0;
    return release_before(id, first_needed);
}

const KvCache::Sequence& KvCache::find(int32_t id) const {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("KV cache: no sequence " + std::to_string(id));
    return it->second;
}

bool KvCache::contains(int32_t id) const { return sequences_.count(id) != 0; }
uint32_t KvCache::length(int32_t id) const { return find(id).length; }
uint32_t KvCache::first_live_block(int32_t id) const { return find(id).first_live; }
const std::vector<int32_t>& KvCache::blocks(int32_t id) const { return find(id).table; }

int32_t KvCache::slot(int32_t id, uint32_t position) const {
    const Sequence& seq = find(id);
    const uint32_t bs = geometry_.block_size;
    if (position >= seq.length || seq.table[position / bs] == kReleased)
        throw Error("KV cache: sequence " + std::to_string(id) + " holds no token at position " +
                    std::to_string(position));
    return seq.table[position / bs] * int32_t(bs) + int32_t(position % bs);
}

uint32_t KvCache::max_table_length(std::span<const int32_t> ids) const {
    size_t longest = 0;
    for (int32_t id : ids) longest = std::max(longest, find(id).table.size());
    return uint32_t(longest);
}

std::vector<int32_t> KvCache::block_table(std::span<const int32_t> ids, uint32_t max_blocks) const {
    const uint32_t longest = max_table_length(ids);
    if (max_blocks == 0) max_blocks = std::max(longest, 1u);
    if (longest > max_blocks)
        throw Error("KV cache: a block table of " + std::to_string(longest) + " blocks does not fit rows of " +
                    std::to_string(max_blocks));
    std::vector<int32_t> table(ids.size() * size_t(max_blocks), kReleased);
    for (size_t r = 0; r < ids.size(); ++r) {
        const auto& row = find(ids[r]).table;
        std::copy(row.begin(), row.end(), table.begin() + ptrdiff_t(r * max_blocks));
    }
    return table;
}

KvUsage KvCache::usage() const {
    KvUsage u;
    u.blocks_used = pool_.used_count();
    u.blocks_total = pool_.capacity();
    u.bytes_used = u.blocks_used * geometry_.bytes_per_block();
    u.bytes_total = u.blocks_total * geometry_.bytes_per_block();
    for (const auto& [id, seq] : sequences_) {
        const uint64_t released_tokens = uint64_t(seq.first_live) * geometry_.block_size;
        u.tokens_live += seq.length > released_tokens ? seq.length - released_tokens : 0;
    }
    return u;
}

}  // namespace vkllm::kv
