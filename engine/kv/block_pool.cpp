#include "kv/block_pool.h"

#include <string>

#include "vkllm/error.h"

namespace vkllm::kv {

BlockPool::BlockPool(uint32_t num_blocks) : in_use_(num_blocks, false) {
    free_.reserve(num_blocks);
    // Pushed in reverse so that a fresh pool hands out 0, 1, 2, ...
    for (uint32_t i = num_blocks; i > 0; --i) free_.push_back(int32_t(i - 1));
}

bool BlockPool::allocate(uint32_t count, std::vector<int32_t>& out) {
    if (count > free_.size()) return false;
    for (uint32_t i = 0; i < count; ++i) {
        int32_t block = free_.back();
        free_.pop_back();
        in_use_[size_t(block)] = true;
        out.push_back(block);
    }
    return true;
}

void BlockPool::release(int32_t block) {
    if (!in_use(block))
        throw Error("KV block pool: block " + std::to_string(block) + " released but not in use (pool of " +
                    std::to_string(capacity()) + ")");
    in_use_[size_t(block)] = false;
    free_.push_back(block);
}

bool BlockPool::in_use(int32_t block) const {
    return block >= 0 && size_t(block) < in_use_.size() && in_use_[size_t(block)];
}

}  // namespace vkllm::kv
