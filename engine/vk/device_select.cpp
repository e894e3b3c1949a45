#include <algorithm>
#include <cctype>

#include "common/parse_number.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::vk {

namespace {

int type_rank(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
        default: return 4;
    }
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string device_list_text(const std::vector<PhysicalDeviceEntry>& devices) {
    std::string text;
    for (size_t i = 0; i < devices.size(); ++i)
        text += "\n  " + std::to_string(i) + ": " + devices[i].caps.name + " (" + devices[i].caps.type + ")";
    return text;
}

}  // namespace

std::vector<PhysicalDeviceEntry> list_devices(const Instance& instance) {
    std::vector<PhysicalDeviceEntry> out;
    for (VkPhysicalDevice d : instance.physical_devices()) out.push_back({d, probe_device(instance.handle(), d)});
    return out;
}

size_t select_device(const std::vector<PhysicalDeviceEntry>& devices, const std::string& selector) {
    if (devices.empty())
        throw DeviceError(
            "no Vulkan device found. Install a driver: 'apt-get install mesa-vulkan-drivers' gives lavapipe "
            "(runs on any CPU); for a GPU install its vendor's Vulkan driver");
    if (!selector.empty()) {
        if (std::all_of(selector.begin(), selector.end(), [](unsigned char c) { return std::isdigit(c); })) {
            const std::optional<uint64_t> index = parse_unsigned(selector);  // nullopt past 2^64 - 1
            if (!index || *index >= devices.size())
                throw InputError("device index " + selector + " is out of range; devices:" + device_list_text(devices));
            return size_t(*index);
        }
        for (size_t i = 0; i < devices.size(); ++i)
            if (lower(devices[i].caps.name).find(lower(selector)) != std::string::npos) return i;
        throw InputError("no Vulkan device matches '" + selector + "'; devices:" + device_list_text(devices));
    }
    size_t best = devices.size();
    for (size_t i = 0; i < devices.size(); ++i) {
        if (devices[i].caps.compute_queue_family == UINT32_MAX) continue;
        if (best == devices.size() || type_rank(devices[i].caps.device_type) < type_rank(devices[best].caps.device_type))
            best = i;
    }
    if (best == devices.size())
        throw DeviceError("no Vulkan device has a compute queue; devices:" + device_list_text(devices));
    return best;
}

}  // namespace vkllm::vk
