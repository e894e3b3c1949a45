#pragma once
// The driver's pipeline cache kept between runs in a folder the caller names
// (DeviceOptions::pipeline_cache_dir; empty: none), one file per device and
// driver. Failures to read or write are ignored: the cache only saves start-up time.
#include <cstdint>
#include <string>
#include <vector>

#include "vk/device_caps.h"

namespace vkllm::vk {

std::vector<uint8_t> load_pipeline_cache(const std::string& dir, const DeviceCaps& caps);
void save_pipeline_cache(const std::string& dir, const DeviceCaps& caps, const std::vector<uint8_t>& data);

}  // namespace vkllm::vk
