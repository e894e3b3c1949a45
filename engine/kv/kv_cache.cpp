#include "kv/kv_cache.h"

#include <algorithm>
#include <string>
#include <utility>

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

KvCache::KvCache(const KvGeometry& geometry, uint32_t num_blocks, bool prefix_cache, BlockHash hash)
    : geometry_(geometry), pool_(num_blocks), prefix_cache_(prefix_cache), index_(std::move(hash)) {
    if (geometry.block_size == 0) throw InputError("KV cache block size must be at least 1");
    check_cache_type(geometry.type, geometry.head_dim);
}

bool KvCache::copy_on_write(const Sequence& seq, uint32_t count) const {
    return count > 0 && seq.length % geometry_.block_size != 0 && pool_.holders(seq.table.back()) > 1;
}

void KvCache::forget_evicted(const std::vector<int32_t>& evicted) {
    for (int32_t block : evicted) index_.erase(block);
}

std::vector<int32_t> KvCache::grow(int32_t id, uint32_t count, const std::span<const int32_t>* tokens) {
    auto existing = sequences_.find(id);
    const Sequence empty;
    const Sequence& current = existing != sequences_.end() ? existing->second : empty;
    const uint32_t bs = geometry_.block_size;
    const uint64_t new_length = uint64_t(current.length) + count;
    const uint64_t blocks_needed = (new_length + bs - 1) / bs;
    const bool cow = copy_on_write(current, count);
    const uint64_t extra = blocks_needed - current.table.size() + (cow ? 1 : 0);
    std::vector<int32_t> fresh, evicted;
    if (extra > INT32_MAX || !pool_.allocate(uint32_t(extra), fresh, &evicted))
        throw Error("KV cache full: sequence " + std::to_string(id) + " needs " + std::to_string(extra) +
                    " more block(s) to hold " + std::to_string(new_length) + " tokens, but only " +
                    std::to_string(pool_.free_count()) + " of " + std::to_string(pool_.capacity()) +
                    " blocks are free; raise the KV budget");
    forget_evicted(evicted);

    Sequence& seq = sequences_[id];
    auto next = fresh.begin();
    if (cow) {
        // The shared, partly filled last block moves to a block of its own.
        const int32_t shared = seq.table.back();
        copies_.push_back({shared, *next});
        seq.table.back() = *next++;
        pool_.release(shared);
    }
    seq.table.insert(seq.table.end(), next, fresh.end());
    std::vector<int32_t> slots(count);
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t pos = seq.length + i;
        slots[i] = seq.table[pos / bs] * int32_t(bs) + int32_t(pos % bs);
    }
    seq.length = uint32_t(new_length);
    if (!tokens) {
        seq.tokens_known = false;
        seq.tokens.clear();
    } else if (seq.tokens_known) {
        seq.tokens.insert(seq.tokens.end(), tokens->begin(), tokens->end());
    }
    return slots;
}

std::vector<int32_t> KvCache::append(int32_t id, uint32_t count) { return grow(id, count, nullptr); }

std::vector<int32_t> KvCache::append(int32_t id, std::span<const int32_t> tokens) {
    return grow(id, uint32_t(tokens.size()), &tokens);
}

void KvCache::publish(int32_t id) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) throw Error("KV cache: no sequence " + std::to_string(id));
    Sequence& seq = it->second;
    if (!prefix_cache_ || !seq.tokens_known) return;
    const uint32_t bs = geometry_.block_size;
    for (uint32_t b = seq.published; b < seq.length / bs; ++b) {
        const int32_t block = seq.table[b];
        if (block == kReleased) {
            seq.tokens_known = false;  // the block left the window before it was published: the chain ends
            seq.tokens.clear();
            return;
        }
        bool added = false;
        const std::span<const int32_t> tokens(seq.tokens.data() + size_t(b) * bs, bs);
        seq.link = index_.insert(seq.link, tokens, block, added);
        if (added) pool_.set_cached(block, true);
        seq.published = b + 1;
    }
}

uint32_t KvCache::attach_prefix(int32_t id, std::span<const int32_t> tokens) {
    if (contains(id) && length(id) > 0)
        throw Error("KV cache: sequence " + std::to_string(id) +
                    " already holds tokens; a prefix attaches to an empty one");
    if (!prefix_cache_ || tokens.empty()) return 0;
    const uint32_t bs = geometry_.block_size;
    const size_t most = (tokens.size() - 1) / bs;  // whole blocks, at least one token left to compute
    PrefixIndex::Link link;
    std::vector<int32_t> found;
    for (size_t b = 0; b < most; ++b) {
        PrefixIndex::Link next;
        const int32_t block = index_.find(link, tokens.subspan(b * bs, bs), next);
        if (block < 0) break;
        found.push_back(block);
        link = next;
    }
    if (found.empty()) return 0;
    for (int32_t block : found) pool_.retain(block);
    Sequence& seq = sequences_[id];
    seq.table = found;
    seq.length = uint32_t(found.size()) * bs;
    seq.first_live = 0;
    seq.tokens_known = true;
    seq.tokens.assign(tokens.begin(), tokens.begin() + seq.length);
    seq.published = uint32_t(found.size());
    seq.link = link;
    return seq.length;
}

void KvCache::fork(int32_t parent, int32_t child) {
    if (contains(child)) throw Error("KV cache: sequence " + std::to_string(child) + " exists; a fork needs a new one");
    const Sequence copy = find(parent);
    for (int32_t block : copy.table)
        if (block != kReleased) pool_.retain(block);
    sequences_[child] = copy;
}

std::vector<BlockCopy> KvCache::take_copies() { return std::exchange(copies_, {}); }

uint32_t KvCache::blocks_needed(int32_t id, uint32_t count) const {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) return uint32_t((uint64_t(count) + geometry_.block_size - 1) / geometry_.block_size);
    const Sequence& seq = it->second;
    const uint64_t blocks = (uint64_t(seq.length) + count + geometry_.block_size - 1) / geometry_.block_size;
    return uint32_t(std::min<uint64_t>(blocks - seq.table.size() + (copy_on_write(seq, count) ? 1 : 0), UINT32_MAX));
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
    u.blocks_cached = pool_.cached_free_count();
    for (const auto& [id, seq] : sequences_) {
        const uint64_t released_tokens = uint64_t(seq.first_live) * geometry_.block_size;
        u.tokens_live += seq.length > released_tokens ? seq.length - released_tokens : 0;
    }
    return u;
}

uint64_t KvCache::held_bytes(int32_t id) const {
    if (!contains(id)) return 0;
    uint64_t held = 0;
    for (int32_t b : blocks(id)) held += b != kReleased;
    return held * geometry_.bytes_per_block();
}

}  // namespace vkllm::kv
