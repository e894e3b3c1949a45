#include "ops/rows.h"

#include <algorithm>
#include <cstring>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct ColsFloatPush {
    uint32_t cols;
    float value;
};

void check_rows(const vk::DeviceCaps& caps, uint32_t rows, const char* what) {
    if (rows > caps.max_workgroup_count[0])
        throw DeviceError(std::string(what) + ": " + std::to_string(rows) + " rows exceed the device's " +
                          std::to_string(caps.max_workgroup_count[0]) + " workgroups per dispatch");
}
}  // namespace

void record_softmax(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& x, const vk::Buffer& y,
                    uint32_t rows, uint32_t cols, float scale) {
    const auto& caps = device.caps();
    check_rows(caps, rows, "softmax");
    uint32_t wg = reduction_workgroup(caps);
    const auto& pipeline = device.pipeline({"softmax" + reduction_variant(caps), 2, sizeof(ColsFloatPush), {wg}});
    const uint64_t row_bytes = uint64_t(cols) * 4;
    for_each_chunk(caps, rows, {row_bytes}, "softmax of '" + x.name() + "'", [&](uint64_t r0, uint64_t rc) {
        vk::BufferBinding in{x, r0 * row_bytes, rc * row_bytes}, out{y, r0 * row_bytes, rc * row_bytes};
        commands.dispatch(pipeline, {in, out}, ColsFloatPush{cols, scale}, uint32_t(rc));
    });
}

void record_norm(vk::Device& device, vk::CommandBuffer& commands, const NormSpec& spec, const vk::Buffer& x,
                 const vk::Buffer& weight, const vk::Buffer* bias, const vk::Buffer& y, uint32_t rows, uint32_t cols) {
    const auto& caps = device.caps();
    check_rows(caps, rows, "norm");
    // About one four-wide piece of the row per invocation (norm.comp), at least a warp's worth.
    uint32_t wg = reduction_workgroup(caps, std::clamp((cols + 3) / 4, 32u, 1024u));
    std::string name = "norm_" + weight_variant(caps, spec.weight_type) + reduction_variant(caps);
    const auto& pipeline = device.pipeline(
        {name, 4, sizeof(ColsFloatPush), {wg, spec.layer_norm ? 1u : 0u, spec.unit_offset ? 1u : 0u, bias ? 1u : 0u}});
    // Without a bias the binding still needs a buffer; the shader never reads it.
    const uint64_t row_bytes = uint64_t(cols) * 4;
    for_each_chunk(caps, rows, {row_bytes}, "norm of '" + x.name() + "'", [&](uint64_t r0, uint64_t rc) {
        vk::BufferBinding in{x, r0 * row_bytes, rc * row_bytes}, out{y, r0 * row_bytes, rc * row_bytes};
        commands.dispatch(pipeline, {in, weight, bias ? *bias : weight, out}, ColsFloatPush{cols, spec.eps},
                          uint32_t(rc));
    });
}

}  // namespace vkllm::ops
