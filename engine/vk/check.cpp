#include "vk/check.h"

#include <cstdlib>

#include "vkllm/error.h"

namespace vkllm::vk {

const char* result_name(VkResult result) {
    switch (result) {
#define NAME(r) \
    case r: return #r;
        NAME(VK_SUCCESS)
        NAME(VK_NOT_READY)
        NAME(VK_TIMEOUT)
        NAME(VK_INCOMPLETE)
        NAME(VK_ERROR_OUT_OF_HOST_MEMORY)
        NAME(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        NAME(VK_ERROR_INITIALIZATION_FAILED)
        NAME(VK_ERROR_DEVICE_LOST)
        NAME(VK_ERROR_MEMORY_MAP_FAILED)
        NAME(VK_ERROR_LAYER_NOT_PRESENT)
        NAME(VK_ERROR_EXTENSION_NOT_PRESENT)
        NAME(VK_ERROR_FEATURE_NOT_PRESENT)
        NAME(VK_ERROR_INCOMPATIBLE_DRIVER)
        NAME(VK_ERROR_TOO_MANY_OBJECTS)
        NAME(VK_ERROR_FORMAT_NOT_SUPPORTED)
        NAME(VK_ERROR_FRAGMENTED_POOL)
        NAME(VK_ERROR_UNKNOWN)
        NAME(VK_ERROR_OUT_OF_POOL_MEMORY)
        NAME(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        NAME(VK_ERROR_FRAGMENTATION)
        NAME(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
        NAME(VK_PIPELINE_COMPILE_REQUIRED)
#undef NAME
        default: return "VkResult(unknown)";
    }
}

void throw_result(VkResult result, const char* what) {
    // VK_CHECK passes the whole call's text; the function name is what a user needs.
    std::string call = what;
    if (auto paren = call.find('('); paren != std::string::npos && call.rfind("vk", 0) == 0) call.resize(paren);
    std::string message = call + " failed: " + result_name(result);
    switch (result) {
        case VK_ERROR_OUT_OF_DEVICE_MEMORY:
            message += " (the GPU has no room left: use a smaller model, a quantized dtype, or a smaller KV budget)";
            break;
        case VK_ERROR_OUT_OF_HOST_MEMORY:
            message += " (the driver ran out of system memory)";
            break;
        case VK_ERROR_DEVICE_LOST:
            message += " (the GPU stopped responding: a driver reset or a shader fault; results are lost)";
            break;
        case VK_ERROR_INCOMPATIBLE_DRIVER:
            message += " (no usable Vulkan driver was found: install 'mesa-vulkan-drivers' for lavapipe, which runs on any CPU, "
                       "or your GPU vendor's Vulkan driver";
            message += ")";
            break;
        case VK_ERROR_LAYER_NOT_PRESENT:
            message += " (a requested layer is missing; for validation install vulkan-validationlayers)";
            break;
        default:
            break;
    }
    throw DeviceError(message);
}

}  // namespace vkllm::vk
