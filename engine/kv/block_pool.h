#pragma once
// A fixed pool of KV-cache blocks with reference counts. Block ids are indices
// into the per-layer GPU pools; which sequences hold a block is the caller's
// business (see KvCache). A block is free when no one holds it. A free block
// whose contents are still worth keeping (a prefix-cache entry: the caller
// marks it `cached`) waits in a least-recently-released queue and is handed
// out only when no plain free block is left; allocate() then reports it as
// evicted so the caller can forget its entry (the vLLM block-pool shape: the
// free queue doubles as the LRU).
#include <cstddef>
#include <cstdint>
#include <list>
#include <vector>

namespace vkllm::kv {

class BlockPool {
public:
    explicit BlockPool(uint32_t num_blocks);

    // Takes `count` free blocks (each held once), or none and returns false
    // when fewer are free. Plain free blocks go first, then cached ones, least
    // recently released first; those are appended to `evicted` (when given)
    // and lose their cached mark.
    bool allocate(uint32_t count, std::vector<int32_t>& out, std::vector<int32_t>* evicted = nullptr);
    // One more holder of a block in use, or of a cached free block (it leaves the LRU queue).
    void retain(int32_t block);
    // One holder fewer; at none the block is free again. Throws vkllm::Error on a block that is not in use.
    void release(int32_t block);
    // Marks a block whose contents a prefix-cache entry names (kept when free) or clears the mark.
    void set_cached(int32_t block, bool cached);

    uint32_t capacity() const { return uint32_t(refs_.size()); }
    uint32_t free_count() const { return uint32_t(free_.size() + lru_.size()); }  // cached free blocks included
    uint32_t used_count() const { return capacity() - free_count(); }
    uint32_t cached_free_count() const { return uint32_t(lru_.size()); }
    bool in_use(int32_t block) const;
    bool cached(int32_t block) const;
    uint32_t holders(int32_t block) const;  // 0 for a free block

private:
    void check(int32_t block) const;
    bool in_range(int32_t block) const { return block >= 0 && size_t(block) < refs_.size(); }

    std::vector<int32_t> free_;  // plain free blocks, a stack: the most recently released is reused first
    std::list<int32_t> lru_;     // cached free blocks, least recently released first
    std::vector<std::list<int32_t>::iterator> lru_at_;
    std::vector<uint32_t> refs_;
    std::vector<bool> cached_;
};

}  // namespace vkllm::kv
