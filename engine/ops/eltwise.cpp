#include "ops/eltwise.h"

#include <algorithm>
#include <cmath>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct EltwisePush {
    uint32_t n, b_len, row_groups;
};

void record(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& a, const vk::Buffer& b,
            const vk::Buffer& c, uint32_t n, uint32_t b_len, float cap) {
    if ((op == Eltwise::Add || op == Eltwise::Mul) && (b_len == 0 || n % b_len != 0))
        throw Error("element-wise op: broadcast length " + std::to_string(b_len) + " does not divide " +
                    std::to_string(n));
    const auto& caps = device.caps();
    const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const auto& pipeline = device.pipeline({"eltwise", 3, sizeof(EltwisePush), {wg, uint32_t(op), vk::float_bits(cap)}});
    // A full-length b is sliced with a and c; a shorter (broadcast) b is bound
    // whole and slices start at multiples of its length.
    const bool b_full = b_len >= n;
    for_each_chunk(
        caps, n, {4}, "element-wise op on '" + a.name() + "'",
        [&](uint64_t first, uint64_t count) {
            vk::BufferBinding as{a, first * 4, count * 4}, cs{c, first * 4, count * 4};
            vk::BufferBinding bs = b_full ? vk::BufferBinding{b, first * 4, count * 4} : vk::BufferBinding{b};
            // Past the x-dimension limit, spread the groups over y as well.
            uint32_t groups = uint32_t((count + wg - 1) / wg);
            uint32_t x = std::min(groups, caps.max_workgroup_count[0]);
            uint32_t y = (groups + x - 1) / x;
            uint32_t period = b_full ? uint32_t(count) : std::max(b_len, 1u);
            commands.dispatch(pipeline, {as, bs, cs}, EltwisePush{uint32_t(count), period, x}, x, y);
        },
        b_full ? 1 : std::max(b_len, 1u));
}

}  // namespace

void record_eltwise(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& a,
                    const vk::Buffer& b, const vk::Buffer& c, uint32_t n, uint32_t b_len) {
    if (op == Eltwise::SoftCap) throw Error("element-wise op: soft-capping goes through record_soft_cap");
    record(device, commands, op, a, b, c, n, b_len, 1.0f);
}

void record_soft_cap(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& a, const vk::Buffer& c,
                     uint32_t n, float cap) {
    if (!(cap > 0) || !std::isfinite(cap)) throw Error("soft-capping needs a finite cap > 0, got " + std::to_string(cap));
    // b is unused; as long as a, it is sliced with it (a whole-buffer binding
    // could pass maxStorageBufferRange).
    record(device, commands, Eltwise::SoftCap, a, a, c, n, n, cap);
}

void record_activation(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& a,
                       const vk::Buffer& c, uint32_t n) {
    record_eltwise(device, commands, op, a, a, c, n, n);  // b unused: sliced with a, never bound whole
}

}  // namespace vkllm::ops
