#include "kv/prefix_index.h"

#include <algorithm>

namespace vkllm::kv {

uint64_t chained_block_hash(uint64_t parent_hash, std::span<const int32_t> tokens) {
    // FNV-1a over the parent's hash and the tokens' bytes, then a final mix
    // (splitmix64) so that nearby inputs spread over the buckets.
    uint64_t h = 0xcbf29ce484222325ull;
    const auto mix = [&h](uint64_t word) {
        for (int i = 0; i < 8; ++i) {
            h ^= (word >> (8 * i)) & 0xff;
            h *= 0x100000001b3ull;
        }
    };
    mix(parent_hash);
    for (int32_t t : tokens) mix(uint32_t(t));
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

PrefixIndex::PrefixIndex(BlockHash hash) : hash_(std::move(hash)) {}

PrefixIndex::Map::const_iterator PrefixIndex::lookup(uint64_t hash, uint64_t parent_serial,
                                                     std::span<const int32_t> tokens) const {
    auto [first, last] = by_hash_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
        const Entry& e = it->second;
        if (e.parent_serial == parent_serial &&
            std::equal(e.tokens.begin(), e.tokens.end(), tokens.begin(), tokens.end()))
            return it;
    }
    return by_hash_.end();
}

int32_t PrefixIndex::find(const Link& parent, std::span<const int32_t> tokens, Link& next) const {
    const uint64_t h = hash_(parent.hash, tokens);
    auto it = lookup(h, parent.serial, tokens);
    if (it == by_hash_.end()) return -1;
    next = {h, it->second.serial};
    return it->second.block;
}

PrefixIndex::Link PrefixIndex::insert(const Link& parent, std::span<const int32_t> tokens, int32_t block, bool& added) {
    const uint64_t h = hash_(parent.hash, tokens);
    if (auto it = lookup(h, parent.serial, tokens); it != by_hash_.end()) {
        added = false;
        return {h, it->second.serial};
    }
    erase(block);
    const uint64_t serial = next_serial_++;
    auto it = by_hash_.emplace(
        h, Entry{block, parent.serial, serial, std::vector<int32_t>(tokens.begin(), tokens.end())});
    by_block_[block] = it;
    added = true;
    return {h, serial};
}

void PrefixIndex::erase(int32_t block) {
    auto it = by_block_.find(block);
    if (it == by_block_.end()) return;
    by_hash_.erase(it->second);
    by_block_.erase(it);
}

}  // namespace vkllm::kv
