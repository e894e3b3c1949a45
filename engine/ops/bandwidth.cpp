#include "ops/bandwidth.h"

#include <algorithm>
#include <string>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
constexpr uint32_t kWorkgroup = 256;
// Enough resident invocations to keep every memory channel busy on the
// largest GPUs (an H200 holds 132 x 2048), few enough that the Read probe's
// output stays a small fraction of what it reads; at most a sixteenth of one
// binding, so that the grid's loop runs several passes on any device.
constexpr uint32_t kGroups = 2048;

uint32_t workgroup(const vk::DeviceCaps& caps) { return std::min(kWorkgroup, caps.max_workgroup_invocations); }
uint32_t groups(const vk::DeviceCaps& caps) {
    const uint64_t fit = caps.max_storage_buffer_range / 16 / 16 / workgroup(caps);
    return uint32_t(std::clamp<uint64_t>(fit, 1, kGroups));
}
}  // namespace

uint32_t bandwidth_probe_outputs(const vk::DeviceCaps& caps) { return groups(caps) * workgroup(caps); }

void record_bandwidth_probe(vk::Device& device, vk::CommandBuffer& commands, BandwidthProbe probe,
                            const vk::Buffer& src, const vk::Buffer& dst, uint64_t bytes) {
    const auto& caps = device.caps();
    if (bytes % 16 != 0 || bytes > src.size() || bytes / 16 > UINT32_MAX)
        throw Error("bandwidth probe: " + std::to_string(bytes) + " bytes of '" + src.name() +
                    "' (a multiple of 16 within the buffer)");
    check_binding_fits(caps, bytes, "bandwidth probe source '" + src.name() + "'");
    const uint64_t out_bytes = probe == BandwidthProbe::Copy ? bytes : uint64_t(bandwidth_probe_outputs(caps)) * 16;
    if (dst.size() < out_bytes)
        throw Error("bandwidth probe: '" + dst.name() + "' holds " + std::to_string(dst.size()) + " bytes, needs " +
                    std::to_string(out_bytes));
    const uint32_t wg = workgroup(caps);
    const auto& pipeline = device.pipeline(
        {probe == BandwidthProbe::Copy ? "bandwidth_copy" : "bandwidth_read", 2, sizeof(uint32_t), {wg, 4}});
    const uint32_t count = uint32_t(bytes / 16);
    commands.dispatch(pipeline, {vk::BufferBinding{src, 0, bytes}, vk::BufferBinding{dst, 0, out_bytes}}, count,
                      groups(caps), 1);
}

}  // namespace vkllm::ops
