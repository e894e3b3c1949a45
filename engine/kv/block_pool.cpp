#include "kv/block_pool.h"

#include <algorithm>
#include <string>

#include "vkllm/error.h"

namespace vkllm::kv {

BlockPool::BlockPool(uint32_t num_blocks)
    : lru_at_(num_blocks, lru_.end()), refs_(num_blocks, 0), cached_(num_blocks, false) {
    free_.reserve(num_blocks);
    // Pushed in reverse so that a fresh pool hands out 0, 1, 2, ...
    for (uint32_t i = num_blocks; i > 0; --i) free_.push_back(int32_t(i - 1));
}

void BlockPool::check(int32_t block) const {
    if (block < 0 || size_t(block) >= refs_.size())
        throw Error("KV block pool: no block " + std::to_string(block) + " (pool of " + std::to_string(capacity()) +
                    ")");
}

bool BlockPool::allocate(uint32_t count, std::vector<int32_t>& out, std::vector<int32_t>* evicted) {
    if (count > free_count()) return false;
    for (uint32_t i = 0; i < count; ++i) {
        int32_t block;
        if (!free_.empty()) {
            block = free_.back();
            free_.pop_back();
        } else {
            block = lru_.front();
            lru_.pop_front();
            lru_at_[size_t(block)] = lru_.end();
            cached_[size_t(block)] = false;
            if (evicted) evicted->push_back(block);
        }
        refs_[size_t(block)] = 1;
        out.push_back(block);
    }
    return true;
}

void BlockPool::retain(int32_t block) {
    check(block);
    uint32_t& refs = refs_[size_t(block)];
    if (refs == 0) {
        if (!cached_[size_t(block)])
            throw Error("KV block pool: block " + std::to_string(block) + " retained while free and not cached");
        lru_.erase(lru_at_[size_t(block)]);
        lru_at_[size_t(block)] = lru_.end();
    }
    ++refs;
}

void BlockPool::release(int32_t block) {
    if (!in_use(block))
        throw Error("KV block pool: block " + std::to_string(block) + " released but not in use (pool of " +
                    std::to_string(capacity()) + ")");
    if (--refs_[size_t(block)] > 0) return;
    if (cached_[size_t(block)]) lru_at_[size_t(block)] = lru_.insert(lru_.end(), block);
    else free_.push_back(block);
}

void BlockPool::set_cached(int32_t block, bool cached) {
    check(block);
    if (cached_[size_t(block)] == cached) return;
    cached_[size_t(block)] = cached;
    if (refs_[size_t(block)] > 0) return;
    // A free block moves between the plain stack and the LRU queue.
    if (cached) {
        free_.erase(std::find(free_.begin(), free_.end(), block));
        lru_at_[size_t(block)] = lru_.insert(lru_.end(), block);
    } else {
        lru_.erase(lru_at_[size_t(block)]);
        lru_at_[size_t(block)] = lru_.end();
        free_.push_back(block);
    }
}

bool BlockPool::in_use(int32_t block) const {
    return block >= 0 && size_t(block) < refs_.size() && refs_[size_t(block)] > 0;
}

bool BlockPool::cached(int32_t block) const { return in_range(block) && cached_[size_t(block)]; }

uint32_t BlockPool::holders(int32_t block) const { return in_range(block) ? refs_[size_t(block)] : 0; }

}  // namespace vkllm::kv
