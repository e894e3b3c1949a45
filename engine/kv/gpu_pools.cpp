#include "kv/gpu_pools.h"

#include <algorithm>
#include <string>

#include "vkllm/error.h"

namespace vkllm::kv {

bool use_f16_pools(const vk::DeviceCaps& caps) { return caps.storage_16bit; }

GpuKvPools::GpuKvPools(vk::Device& device, const KvGeometry& geometry, uint32_t num_blocks)
    : geometry_(geometry), num_blocks_(num_blocks) {
    const auto& caps = device.caps();
    if (geometry.elem_bytes != 2 && geometry.elem_bytes != 4)
        throw Error("KV pools hold f16 or f32 elements, not " + std::to_string(geometry.elem_bytes) + "-byte ones");
    if (geometry.elem_bytes == 2 && !caps.storage_16bit)
        throw DeviceError("f16 KV pools need 16-bit storage, which " + caps.name + " lacks; use f32 pools");
    const uint64_t bytes = pool_bytes();
    if (bytes == 0) throw Error("KV pools of zero size (no blocks or a zero dimension)");
    const uint64_t limit = std::min(caps.max_storage_buffer_range, caps.max_memory_allocation_size);
    if (bytes > limit)
        throw DeviceError("one layer's KV pool of " + vk::format_bytes(bytes) + " (" + std::to_string(num_blocks) +
                          " blocks) exceeds the " + vk::format_bytes(limit) + " a shader can bind on " + caps.name +
                          "; use a smaller KV budget (at most " + std::to_string(limit / (bytes / num_blocks)) +
                          " blocks)");
    for (uint32_t layer = 0; layer < geometry.layers; ++layer) {
        const std::string prefix = "kv layer " + std::to_string(layer);
        keys_.push_back(std::make_unique<vk::Buffer>(device, bytes, vk::BufferKind::Device, prefix + " keys"));
        values_.push_back(std::make_unique<vk::Buffer>(device, bytes, vk::BufferKind::Device, prefix + " values"));
    }
}

uint64_t GpuKvPools::pool_bytes() const {
    return uint64_t(num_blocks_) * geometry_.block_size * geometry_.kv_heads * geometry_.head_dim *
           geometry_.elem_bytes;
}

}  // namespace vkllm::kv
