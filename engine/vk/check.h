#pragma once
// VkResult checking: every call goes through VK_CHECK so a failure becomes a
// DeviceError naming the call and the result, never a silent continue.
#include <volk.h>

#include <string>

namespace vkllm::vk {

const char* result_name(VkResult result);
[[noreturn]] void throw_result(VkResult result, const char* what);

inline void check(VkResult result, const char* what) {
    if (result != VK_SUCCESS) throw_result(result, what);
}

}  // namespace vkllm::vk

#define VK_CHECK(call) ::vkllm::vk::check((call), #call)
