#pragma once
// A device's capabilities as `vkllm devices --json` prints them (one place for
// the field names; `vkllm bench --spec` stores the same object in its results).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "vk/device.h"

namespace vkllm::cli {

// "1.3.255"
std::string api_version_text(uint32_t version);

nlohmann::json caps_json(const vk::DeviceCaps& caps, size_t index, bool selected);

}  // namespace vkllm::cli
