// vkllm_list_devices: the Vulkan devices as the engine sees them (vk/device.h).
#include <algorithm>
#include <cstring>

#include "capi/status.h"
#include "vk/device.h"
#include "vk/instance.h"

namespace {

vkllm_device_type device_type(VkPhysicalDeviceType type) {
    switch (type) {
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return VKLLM_DEVICE_INTEGRATED;
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return VKLLM_DEVICE_DISCRETE;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return VKLLM_DEVICE_VIRTUAL;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return VKLLM_DEVICE_CPU;
        default: return VKLLM_DEVICE_OTHER;
    }
}

vkllm_device_info device_info(uint32_t index, const vkllm::vk::DeviceCaps& caps) {
    vkllm_device_info info{};
    info.struct_size = sizeof info;
    info.index = index;
    std::strncpy(info.name, caps.name.c_str(), sizeof info.name - 1);
    info.type = device_type(caps.device_type);
    info.vendor_id = caps.vendor_id;
    info.device_id = caps.device_id;
    info.api_version = caps.api_version;
    info.device_local_bytes = caps.device_local_bytes();
    info.unified_memory = caps.unified_memory;
    info.subgroup_size = caps.subgroup_size;
    info.fp16 = caps.shader_float16;
    return info;
}

}  // namespace

extern "C" vkllm_status vkllm_list_devices(vkllm_device_info* infos, uint32_t capacity, uint32_t* count) {
    using namespace vkllm::capi;
    if (!count) return null_argument("vkllm_list_devices", "count");
    if (capacity > 0 && !infos) return null_argument("vkllm_list_devices", "infos (with a capacity above 0)");
    return guarded([&] {
        vkllm::vk::Instance instance(vkllm::vk::InstanceOptions{});
        const std::vector<vkllm::vk::PhysicalDeviceEntry> devices = vkllm::vk::list_devices(instance);
        *count = uint32_t(devices.size());
        if (capacity == 0) return VKLLM_OK;
        // The caller's entries are all of the caller's size, which may differ from ours.
        const size_t stride = infos[0].struct_size;
        if (stride < sizeof(size_t))
            return fail(VKLLM_ERROR_INVALID_ARGUMENT,
                        "vkllm_list_devices: infos[0].struct_size is " + std::to_string(stride) + "; set it to sizeof(vkllm_device_info)");
        for (uint32_t i = 0; i < std::min(capacity, *count); ++i) {
            auto* out = reinterpret_cast<vkllm_device_info*>(reinterpret_cast<char*>(infos) + i * stride);
            out->struct_size = stride;
            write_struct(out, device_info(i, devices[i].caps), "infos[i]");
        }
        return VKLLM_OK;
    });
}
