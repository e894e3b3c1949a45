#pragma once
// The driver's pipeline cache kept between runs in $VKLLM_CACHE_DIR or
// $XDG_CACHE_HOME/vkllm (~/.cache/vkllm), one file per device and driver.
// Failures to read or write are ignored: the cache only saves start-up time.
#include <cstdint>
#include <vector>

#include "vk/device_caps.h"

namespace vkllm::vk {

std::vector<uint8_t> load_pipeline_cache(const DeviceCaps& caps);
void save_pipeline_cache(const DeviceCaps& caps, const std::vector<uint8_t>& data);

}  // namespace vkllm::vk
