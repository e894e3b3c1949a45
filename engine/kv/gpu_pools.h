#pragma once
// The GPU side of the paged KV cache. f32 and f16 pools: for every layer one K
// pool and one V pool, each laid out [num_blocks, block_size, kv_heads,
// head_dim] so that a slot (block * block_size + offset) is one contiguous
// token row, the same shape as a row of the K/V projection output. Block
// formats (q8_0, q4_0): one pool per layer whose slot holds the K row's blocks
// then the V row's (kv/kv_type.h); keys() and values() are then the same
// buffer. Each layer's pool is its own buffer so that a single binding never
// exceeds maxStorageBufferRange.
#include <cstdint>
#include <memory>
#include <vector>

#include "kv/kv_cache.h"
#include "vk/buffer.h"
#include "vk/device.h"

namespace vkllm::kv {

class GpuKvPools {
public:
    // `geometry.type` must be a cache type (kv/kv_type.h) that fits its head_dim
    // (InputError otherwise); f16 needs 16-bit storage (DeviceError). Throws
    // DeviceError when one layer's pool exceeds maxStorageBufferRange.
    GpuKvPools(vk::Device& device, const KvGeometry& geometry, uint32_t num_blocks);

    const vk::Buffer& keys(uint32_t layer) const { return *keys_.at(layer); }
    const vk::Buffer& values(uint32_t layer) const { return fused() ? *keys_.at(layer) : *values_.at(layer); }
    DType type() const { return geometry_.type; }
    bool fused() const;  // keys() and values() share a buffer
    uint32_t num_blocks() const { return num_blocks_; }
    const KvGeometry& geometry() const { return geometry_; }
    uint64_t pool_bytes() const;  // one layer's K (or V, or with fused rows both) buffer

private:
    KvGeometry geometry_;
    uint32_t num_blocks_;
    std::vector<std::unique_ptr<vk::Buffer>> keys_, values_;
};

}  // namespace vkllm::kv
