#pragma once
// Splitting work whose buffers exceed maxStorageBufferRange into dispatches
// that each bind a slice small enough, with slice starts that keep the
// device's storage-buffer offset alignment.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "vk/device_caps.h"

namespace vkllm::ops {

// Calls fn(first, count) over [0, total) units. Each bound buffer holds
// `unit_bytes[i]` per unit; every slice's byte size fits the device's
// maxStorageBufferRange, every slice start is aligned for every buffer, and
// `first` is a multiple of `unit_multiple` (e.g. a broadcast period). Throws
// DeviceError naming `what` when even the smallest aligned slice is too big.
// For buffers bound whole: throws DeviceError naming `what` when `bytes`
// exceed maxStorageBufferRange.
void check_binding_fits(const vk::DeviceCaps& caps, uint64_t bytes, const std::string& what);

void for_each_chunk(const vk::DeviceCaps& caps, uint64_t total, std::initializer_list<uint64_t> unit_bytes,
                    const std::string& what, const std::function<void(uint64_t first, uint64_t count)>& fn,
                    uint64_t unit_multiple = 1);

}  // namespace vkllm::ops
