#include "ops/rope.h"

#include <algorithm>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct RopePush {
    uint32_t heads, token0;
};
}  // namespace

void record_rope(vk::Device& device, vk::CommandBuffer& commands, const RopeSpec& spec, const vk::Buffer& x,
                 const vk::Buffer& positions, const vk::Buffer& inv_freq, uint32_t n_tokens, uint32_t heads) {
    if (spec.rotary_dims % 2 != 0 || spec.rotary_dims > spec.head_dim)
        throw Error("RoPE: " + std::to_string(spec.rotary_dims) + " rotary dims must be even and at most the head size " +
                    std::to_string(spec.head_dim));
    if (spec.rotary_dims == 0 || n_tokens == 0 || heads == 0) return;
    const uint32_t half = spec.rotary_dims / 2;
    if (inv_freq.size() < uint64_t(half) * 4)
        throw Error("RoPE: inverse-frequency buffer '" + inv_freq.name() + "' holds fewer than " +
                    std::to_string(half) + " values");
    if (x.size() < uint64_t(n_tokens) * heads * spec.head_dim * 4 || positions.size() < uint64_t(n_tokens) * 4)
        throw Error("RoPE: buffers '" + x.name() + "' / '" + positions.name() + "' are too small for " +
                    std::to_string(n_tokens) + " tokens of " + std::to_string(heads) + " heads");
    const auto& caps = device.caps();
    const uint32_t wg = std::min<uint32_t>(128, caps.max_workgroup_invocations);
    const uint32_t pair_groups = uint32_t((uint64_t(heads) * half + wg - 1) / wg);
    if (pair_groups > caps.max_workgroup_count[0])
        throw DeviceError("RoPE: " + std::to_string(heads) + " heads exceed the device's workgroup count");
    const auto& pipeline = device.pipeline(
        {"rope", 3, sizeof(RopePush),
         {wg, spec.head_dim, half, spec.style == RopeStyle::GPTJ ? 1u : 0u, vk::float_bits(spec.attention_factor)}});
    const uint64_t token_bytes = uint64_t(heads) * spec.head_dim * 4;
    for_each_chunk(caps, n_tokens, {token_bytes, 4}, "RoPE on '" + x.name() + "'", [&](uint64_t t0, uint64_t tc) {
        vk::BufferBinding xs{x, t0 * token_bytes, tc * token_bytes}, ps{positions, t0 * 4, tc * 4};
        for (uint64_t s = 0; s < tc; s += caps.max_workgroup_count[1]) {
            uint32_t count = uint32_t(std::min<uint64_t>(caps.max_workgroup_count[1], tc - s));
            commands.dispatch(pipeline, {xs, ps, inv_freq}, RopePush{heads, uint32_t(s)}, pair_groups, count);
        }
    });
}

}  // namespace vkllm::ops
