#include "vk/instance.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "vk/check.h"
#include "vkllm/error.h"

namespace vkllm::vk {

void ValidationLog::add(std::string message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
    count_ = messages_.size();
}

std::vector<std::string> ValidationLog::messages_since(size_t first) const {
    std::lock_guard lock(mutex_);
    if (first >= messages_.size()) return {};
    return {messages_.begin() + long(first), messages_.end()};
}

namespace {

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                      VkDebugUtilsMessageTypeFlagsEXT,
                                                      const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                      void* user) {
    const char* level = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "error" : "warning";
    std::string text = std::string("validation ") + level + ": " + (data->pMessage ? data->pMessage : "");
    std::fprintf(stderr, "vkllm: %s\n", text.c_str());
    static_cast<ValidationLog*>(user)->add(std::move(text));
    return VK_FALSE;
}

bool has_layer(const char* name) {
    uint32_t count = 0;
    vkEnumerateInstanceLayerProperties(&count, nullptr);
    std::vector<VkLayerProperties> layers(count);
    vkEnumerateInstanceLayerProperties(&count, layers.data());
    for (const auto& l : layers)
        if (std::strcmp(l.layerName, name) == 0) return true;
    return false;
}

bool has_instance_extension(const char* name) {
    uint32_t count = 0;
    vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> exts(count);
    vkEnumerateInstanceExtensionProperties(nullptr, &count, exts.data());
    for (const auto& e : exts)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

void initialize_loader() {
    static VkResult result = volkInitialize();
    if (result != VK_SUCCESS)
        throw DeviceError(
            "no Vulkan loader found (libvulkan.so.1). Install it with 'apt-get install libvulkan1' "
            "and a driver: 'mesa-vulkan-drivers' (lavapipe on any CPU) or your GPU vendor's driver");
}

}  // namespace

Instance::Instance(const InstanceOptions& options) {
    initialize_loader();
    api_version_ = volkGetInstanceVersion();
    if (api_version_ < VK_API_VERSION_1_2)
        throw DeviceError("the Vulkan loader supports only API " + std::to_string(VK_API_VERSION_MAJOR(api_version_)) +
                          "." + std::to_string(VK_API_VERSION_MINOR(api_version_)) +
                          "; vkllm needs Vulkan 1.2 or newer (update libvulkan1 and the driver)");

    std::vector<const char*> layers;
    std::vector<const char*> extensions;
    const char* validation_layer = "VK_LAYER_KHRONOS_validation";
    if (options.validation) {
        if (!has_layer(validation_layer))
            throw DeviceError(
                "validation was requested (VKLLM_VALIDATION) but VK_LAYER_KHRONOS_validation is not installed; "
                "install the 'vulkan-validationlayers' package or unset VKLLM_VALIDATION");
        layers.push_back(validation_layer);
        extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    }
    bool portability = has_instance_extension(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    if (portability) extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);

    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "vkllm";
    app.pEngineName = "vkllm";
    app.apiVersion = api_version_ >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : VK_API_VERSION_1_2;

    VkDebugUtilsMessengerCreateInfoEXT messenger_info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    messenger_info.messageSeverity =
        VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messenger_info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                 VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                                 VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messenger_info.pfnUserCallback = on_validation_message;
    messenger_info.pUserData = &log_;

    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    info.enabledLayerCount = uint32_t(layers.size());
    info.ppEnabledLayerNames = layers.data();
    info.enabledExtensionCount = uint32_t(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    if (portability) info.flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    if (options.validation) info.pNext = &messenger_info;  // also catch instance creation messages
    VK_CHECK(vkCreateInstance(&info, nullptr, &instance_));
    volkLoadInstanceOnly(instance_);
    if (options.validation) VK_CHECK(vkCreateDebugUtilsMessengerEXT(instance_, &messenger_info, nullptr, &messenger_));
}

Instance::~Instance() {
    if (messenger_) vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
    if (instance_) vkDestroyInstance(instance_, nullptr);
}

std::vector<VkPhysicalDevice> Instance::physical_devices() const {
    uint32_t count = 0;
    VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, nullptr));
    std::vector<VkPhysicalDevice> devices(count);
    VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, devices.data()));
    devices.resize(count);
    return devices;
}

}  // namespace vkllm::vk
