#pragma once
// Device-memory bandwidth probes: the tuned read and copy kernels that the
// benchmarks measure the device's ceiling with (shaders/bandwidth.comp).
#include <cstdint>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

enum class BandwidthProbe { Read, Copy };

// Workgroups of the probe's fixed grid, and so the 16-byte values the Read
// probe writes (bandwidth_probe_outputs(caps) of them, one per invocation).
uint32_t bandwidth_probe_outputs(const vk::DeviceCaps& caps);

// Copy: dst[0, bytes) = src[0, bytes). Read: dst holds
// bandwidth_probe_outputs 16-byte values whose xor is the xor of src's
// 16-byte values. `bytes` is a multiple of 16 and fits one binding.
void record_bandwidth_probe(vk::Device& device, vk::CommandBuffer& commands, BandwidthProbe probe,
                            const vk::Buffer& src, const vk::Buffer& dst, uint64_t bytes);

}  // namespace vkllm::ops
