#pragma once
// The prefix cache's index: which pool block holds the keys and values of a
// given run of tokens after a given prefix. Each entry is one full block; it
// names its parent (the entry of the block before it, or the root) and holds
// its tokens, so an entry stands for the whole prefix up to its end.
//
// Entries are found through a chained content hash, hash(parent's hash,
// block's tokens), as in vLLM's block pool. The hash only picks the bucket: a
// match also needs the same parent entry and the same tokens, so a collision
// never hands out another prefix's keys. Parents are compared by a serial
// number given to each entry once (never reused), not by block id: a block
// that was evicted and refilled with other tokens cannot pass as an old parent.
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

namespace vkllm::kv {

// Hash of a block's tokens chained to its parent's hash.
using BlockHash = std::function<uint64_t(uint64_t parent_hash, std::span<const int32_t> tokens)>;
uint64_t chained_block_hash(uint64_t parent_hash, std::span<const int32_t> tokens);

class PrefixIndex {
public:
    // Where a chain of blocks stands: its last entry (serial 0 and the root hash: no block yet).
    struct Link {
        uint64_t hash = 0;
        uint64_t serial = 0;
    };

    explicit PrefixIndex(BlockHash hash = chained_block_hash);

    // The block holding `tokens` right after `parent`, or -1. On a hit `next` is its link.
    int32_t find(const Link& parent, std::span<const int32_t> tokens, Link& next) const;
    // Records `block` as holding `tokens` after `parent` and returns its link.
    // When an equal entry exists already (the same prefix computed twice),
    // nothing is added, `added` is false and the link is the existing entry's.
    Link insert(const Link& parent, std::span<const int32_t> tokens, int32_t block, bool& added);
    // Forgets the block's entry (it was evicted), if it has one.
    void erase(int32_t block);

    size_t size() const { return by_block_.size(); }

private:
    struct Entry {
        int32_t block;
        uint64_t parent_serial, serial;
        std::vector<int32_t> tokens;
    };
    using Map = std::unordered_multimap<uint64_t, Entry>;
    Map::const_iterator lookup(uint64_t hash, uint64_t parent_serial, std::span<const int32_t> tokens) const;

    BlockHash hash_;
    Map by_hash_;
    std::unordered_map<int32_t, Map::iterator> by_block_;
    uint64_t next_serial_ = 1;
};

}  // namespace vkllm::kv
