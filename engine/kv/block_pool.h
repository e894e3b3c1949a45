#pragma once
// A fixed pool of KV-cache blocks handed out through a free list. Block ids are
// indices into the per-layer GPU pools; which sequence owns a block is the
// caller's business (see KvCache).
#include <cstdint>
#include <vector>

namespace vkllm::kv {

class BlockPool {
public:
    explicit BlockPool(uint32_t num_blocks);

    // Takes `count` blocks, or none and returns false when fewer are free.
    bool allocate(uint32_t count, std::vector<int32_t>& out);
    // Returns a block taken by allocate(); throws vkllm::Error on a block that is not in use.
    void release(int32_t block);

    uint32_t capacity() const { return uint32_t(in_use_.size()); }
    uint32_t free_count() const { return uint32_t(free_.size()); }
    uint32_t used_count() const { return capacity() - free_count(); }
    bool in_use(int32_t block) const;

private:
    std::vector<int32_t> free_;  // a stack: the most recently released block is reused first
    std::vector<bool> in_use_;
};

}  // namespace vkllm::kv
