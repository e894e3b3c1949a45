#include "ops/chunking.h"

#include <algorithm>
#include <numeric>

#include "vkllm/error.h"

namespace vkllm::ops {

void for_each_chunk(const vk::DeviceCaps& caps, uint64_t total, std::initializer_list<uint64_t> unit_bytes,
                    const std::string& what, const std::function<void(uint64_t, uint64_t)>& fn,
                    uint64_t unit_multiple) {
    if (total == 0) return;
    uint64_t widest = std::max(unit_bytes);
    uint64_t max_units = caps.max_storage_buffer_range / widest;
    if (max_units >= total) {
        fn(0, total);
        return;
    }
    const uint64_t align = std::max<uint64_t>(caps.min_storage_buffer_alignment, 4);
    uint64_t step = std::max<uint64_t>(unit_multiple, 1);
    for (uint64_t bytes : unit_bytes) step = std::lcm(step, align / std::gcd(align, bytes));
    max_units = max_units / step * step;
    if (max_units == 0)
        throw DeviceError(what + ": the smallest aligned slice (" + std::to_string(step) + " x " +
                          std::to_string(widest) + " bytes) exceeds the device's maxStorageBufferRange of " +
                          vk::format_bytes(caps.max_storage_buffer_range));
    for (uint64_t first = 0; first < total; first += max_units) fn(first, std::min(max_units, total - first));
}

void check_binding_fits(const vk::DeviceCaps& caps, uint64_t bytes, const std::string& what) {
    if (bytes > caps.max_storage_buffer_range)
        throw DeviceError(what + ": " + std::to_string(bytes) + " bytes exceed the device's maxStorageBufferRange of " +
                          std::to_string(caps.max_storage_buffer_range) + " (lower the step size)");
}

}  // namespace vkllm::ops
