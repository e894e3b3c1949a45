#include "kv/gpu_pools.h"

#include <algorithm>
#include <string>

#include "kv/kv_type.h"
#include "vkllm/error.h"

namespace vkllm::kv {

GpuKvPools::GpuKvPools(vk::Device& device, const KvGeometry& geometry, uint32_t num_blocks)
    : geometry_(geometry), num_blocks_(num_blocks) {
    const auto& caps = device.caps();
    check_cache_type(geometry.type, geometry.head_dim);
    if (geometry.type == DType::F16 && !caps.storage_16bit)
        throw DeviceError("f16 KV pools need 16-bit storage, which " + caps.name + " lacks; use f32 or q8_0 pools");
    if (dtype_is_block(geometry.type) && !caps.half_conversion)
        throw DeviceError(std::string(dtype_traits(geometry.type).name) + " KV pools hold f16 scales, which the "
                          "shaders of " + caps.name + " cannot convert (a driver quirk, see `vkllm devices`); "
                          "use f32 pools");
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
        if (fused()) {
            keys_.push_back(std::make_unique<vk::Buffer>(device, bytes, vk::BufferKind::Device, prefix + " keys and values"));
            continue;
        }
        keys_.push_back(std::make_unique<vk::Buffer>(device, bytes, vk::BufferKind::Device, prefix + " keys"));
        values_.push_back(std::make_unique<vk::Buffer>(device, bytes, vk::BufferKind::Device, prefix + " values"));
    }
}

bool GpuKvPools::fused() const { return fused_rows(geometry_.type); }

uint64_t GpuKvPools::pool_bytes() const {
    return uint64_t(num_blocks_) * geometry_.block_size *
           slot_bytes(geometry_.type, uint64_t(geometry_.kv_heads) * geometry_.head_dim);
}

}  // namespace vkllm::kv
