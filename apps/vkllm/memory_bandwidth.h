#pragma once
// Device-memory bandwidth, the ceiling a decode step (which streams every
// weight once) can approach: the tuned read probe (bytes read per second) and
// copy probe (bytes read + written) of ops/bandwidth.h, and vkCmdCopyBuffer
// (the driver's own copy). Used by `vkllm bench` (its roofline) and `vkllm
// bandwidth`.
#include <algorithm>

#include "vk/device.h"

namespace vkllm::cli {

struct CopyBandwidth {
    double read = 0, compute = 0, transfer = 0;  // bytes/s: read probe, copy probe, vkCmdCopyBuffer
    double best() const { return std::max({read, compute, transfer}); }
};

// Each over a buffer of up to 1 GiB, the median of five rounds, after 300 ms
// of the same work so that an idle GPU's clocks have come up (an H200 idles
// at a fraction of its clock). Needs GPU timestamps.
CopyBandwidth measure_copy_bandwidth(vk::Device& device);

}  // namespace vkllm::cli
