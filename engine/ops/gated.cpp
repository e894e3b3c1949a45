#include "ops/gated.h"

#include <algorithm>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct GatedPush {
    uint32_t n, row_groups;
};
}  // namespace

void record_gated(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& gate,
                  const vk::Buffer& up, const vk::Buffer& out, uint32_t n) {
    if (op == Eltwise::Add || op == Eltwise::Mul)
        throw Error("gated activation: operation " + std::to_string(uint32_t(op)) + " is not an activation");
    const auto& caps = device.caps();
    const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const auto& pipeline = device.pipeline({"gated", 3, sizeof(GatedPush), {wg, uint32_t(op)}});
    for_each_chunk(caps, n, {4}, "gated activation of '" + gate.name() + "'", [&](uint64_t first, uint64_t count) {
        vk::BufferBinding g{gate, first * 4, count * 4}, u{up, first * 4, count * 4}, o{out, first * 4, count * 4};
        // Past the x-dimension limit, spread the groups over y as well.
        uint32_t groups = uint32_t((count + wg - 1) / wg);
        uint32_t x = std::min(groups, caps.max_workgroup_count[0]);
        uint32_t y = (groups + x - 1) / x;
        commands.dispatch(pipeline, {g, u, o}, GatedPush{uint32_t(count), x}, x, y);
    });
}

}  // namespace vkllm::ops
