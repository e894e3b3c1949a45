#pragma once
// The GPU side of the paged KV cache: for every layer one K pool and one V
// pool, each laid out [num_blocks, block_size, kv_heads, head_dim] so that a
// slot (block * block_size + offset) is one contiguous token row, the same
// shape as a row of the K/V projection output. Each pool is its own buffer so
// that a single binding never exceeds maxStorageBufferRange.
#include <cstdint>
#include <memory>
#include <vector>

#include "kv/kv_cache.h"
#include "vk/buffer.h"
#include "vk/device.h"

namespace vkllm::kv {

// Element type of the pools: f16 where the device has 16-bit storage, else f32.
bool use_f16_pools(const vk::DeviceCaps& caps);

class GpuKvPools {
public:
    // `geometry.elem_bytes` must be 2 (f16, needs 16-bit storage) or 4 (f32).
    // Throws DeviceError when one layer's pool exceeds maxStorageBufferRange.
    GpuKvPools(vk::Device& device, const KvGeometry& geometry, uint32_t num_blocks);

    const vk::Buffer& keys(uint32_t layer) const { return *keys_.at(layer); }
    const vk::Buffer& values(uint32_t layer) const { return *values_.at(layer); }
    bool f16() const { return geometry_.elem_bytes == 2; }
    uint32_t num_blocks() const { return num_blocks_; }
    const KvGeometry& geometry() const { return geometry_; }
    uint64_t pool_bytes() const;  // one layer's K (or V) pool

private:
    KvGeometry geometry_;
    uint32_t num_blocks_;
    std::vector<std::unique_ptr<vk::Buffer>> keys_, values_;
};

}  // namespace vkllm::kv
