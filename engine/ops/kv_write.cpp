#include "ops/kv_write.h"

#include <algorithm>
#include <string>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct KvWritePush {
    uint32_t tokens, first_token, pool_slots;
};
}  // namespace

void record_kv_write(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& k, const vk::Buffer& v,
                     const vk::Buffer& slots, const vk::Buffer& k_pool, const vk::Buffer& v_pool, uint32_t tokens,
                     uint32_t row, bool f16_pools) {
    if (tokens == 0) return;
    const auto& caps = device.caps();
    if (f16_pools && !caps.storage_16bit)
        throw DeviceError("kv write: f16 KV pools need 16-bit storage, which " + caps.name + " lacks");
    if (row == 0) throw Error("kv write: zero row length");
    if (std::max(k_pool.size(), v_pool.size()) > caps.max_storage_buffer_range)
        throw DeviceError("kv write: KV pool '" + k_pool.name() + "' exceeds the device's maxStorageBufferRange of " +
                          vk::format_bytes(caps.max_storage_buffer_range) + "; use a smaller KV budget");
    const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const auto& pipeline =
        device.pipeline({f16_pools ? "kv_write_f16" : "kv_write_f32", 5, sizeof(KvWritePush), {wg, row}});
    const uint64_t row_bytes = uint64_t(row) * 4;
    const uint64_t pool_slots = std::min(k_pool.size(), v_pool.size()) / (uint64_t(row) * (f16_pools ? 2 : 4));
    const uint64_t tokens_per_dispatch = std::max<uint64_t>(1, uint64_t(caps.max_workgroup_count[0]) * wg / row);
    for_each_chunk(caps, tokens, {row_bytes, 4}, "kv write of '" + k.name() + "'", [&](uint64_t t0, uint64_t tc) {
        vk::BufferBinding ks{k, t0 * row_bytes, tc * row_bytes}, vs{v, t0 * row_bytes, tc * row_bytes},
            ss{slots, t0 * 4, tc * 4};
        for (uint64_t first = 0; first < tc; first += tokens_per_dispatch) {
            const uint64_t count = std::min(tokens_per_dispatch, tc - first);
            const uint32_t groups = uint32_t((count * row + wg - 1) / wg);
            const KvWritePush push{uint32_t(count), uint32_t(first), uint32_t(pool_slots)};
            commands.dispatch(pipeline, {ks, vs, ss, k_pool, v_pool}, push, groups);
        }
    });
}

}  // namespace vkllm::ops
