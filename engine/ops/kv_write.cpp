#include "ops/kv_write.h"

#include <algorithm>
#include <string>

#include "kv/kv_type.h"
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
                     uint32_t row, DType pool_type, const KvRope* rope) {
    if (tokens == 0) return;
    const bool rotate = rope && rope->spec.rotary_dims > 0;
    if (rotate) {
        const RopeSpec& r = rope->spec;
        if (r.rotary_dims % 2 != 0 || r.rotary_dims > r.head_dim || r.head_dim == 0 || row % r.head_dim != 0)
            throw Error("kv write: RoPE over " + std::to_string(r.rotary_dims) + " of head size " +
                        std::to_string(r.head_dim) + " does not fit rows of " + std::to_string(row));
        if (!rope->positions || !rope->inv_freq || rope->positions->size() < uint64_t(tokens) * 4 ||
            rope->inv_freq->size() < uint64_t(r.rotary_dims / 2) * 4)
            throw Error("kv write: RoPE positions or inverse frequencies missing or too small for " +
                        std::to_string(tokens) + " tokens");
    }
    const auto& caps = device.caps();
    if (pool_type == DType::F16 && !caps.storage_16bit)
        throw DeviceError("kv write: f16 KV pools need 16-bit storage, which " + caps.name + " lacks");
    if (row == 0) throw Error("kv write: zero row length");
    const auto types = kv::cache_types();
    if (std::find(types.begin(), types.end(), pool_type) == types.end())
        throw Error(std::string("kv write: a KV cache cannot hold ") + dtype_traits(pool_type).name);
    const bool fused = kv::fused_rows(pool_type);
    const uint32_t block_values = dtype_traits(pool_type).block_values;
    if (row % block_values != 0)
        throw Error("kv write: rows of " + std::to_string(row) + " values do not fill " +
                    dtype_traits(pool_type).name + " blocks of " + std::to_string(block_values));
    if (fused && &k_pool != &v_pool)
        throw Error(std::string("kv write: a ") + dtype_traits(pool_type).name +
                    " KV cache keeps K and V in one pool buffer; pass it as both");
    if (std::max(k_pool.size(), v_pool.size()) > caps.max_storage_buffer_range)
        throw DeviceError("kv write: KV pool '" + k_pool.name() + "' exceeds the device's maxStorageBufferRange of " +
                          vk::format_bytes(caps.max_storage_buffer_range) + "; use a smaller KV budget");
    const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const RopeSpec spec = rotate ? rope->spec : RopeSpec{row, 0};
    const auto& pipeline = device.pipeline({std::string("kv_write_") + dtype_traits(pool_type).name,
                                            7,
                                            sizeof(KvWritePush),
                                            {wg, row, spec.head_dim, spec.rotary_dims / 2,
                                             spec.style == RopeStyle::GPTJ ? 1u : 0u,
                                             vk::float_bits(spec.attention_factor)}});
    const uint64_t row_bytes = uint64_t(row) * 4;
    const uint64_t pool_slots = std::min(k_pool.size(), v_pool.size()) / kv::slot_bytes(pool_type, row);
    // One invocation per value (f32, f16) or per pair of blocks (block formats:
    // the K and V rows of a slot hold row / block_values pairs).
    const uint32_t per_token = fused ? row / block_values : row;
    const uint64_t tokens_per_dispatch = std::max<uint64_t>(1, uint64_t(caps.max_workgroup_count[0]) * wg / per_token);
    for_each_chunk(caps, tokens, {row_bytes, 4}, "kv write of '" + k.name() + "'", [&](uint64_t t0, uint64_t tc) {
        vk::BufferBinding ks{k, t0 * row_bytes, tc * row_bytes}, vs{v, t0 * row_bytes, tc * row_bytes},
            ss{slots, t0 * 4, tc * 4};
        // Without RoPE the two bindings still need buffers; the shader never reads them.
        vk::BufferBinding ps = rotate ? vk::BufferBinding{*rope->positions, t0 * 4, tc * 4} : ss;
        vk::BufferBinding fs = rotate ? vk::BufferBinding{*rope->inv_freq} : ss;
        for (uint64_t first = 0; first < tc; first += tokens_per_dispatch) {
            const uint64_t count = std::min(tokens_per_dispatch, tc - first);
            const uint32_t groups = uint32_t((count * per_token + wg - 1) / wg);
            const KvWritePush push{uint32_t(count), uint32_t(first), uint32_t(pool_slots)};
            commands.dispatch(pipeline, {ks, vs, ss, k_pool, v_pool, ps, fs}, push, groups);
        }
    });
}

}  // namespace vkllm::ops
