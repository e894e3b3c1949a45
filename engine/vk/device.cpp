#include "vk/device.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "vk/check.h"
#include "vk/cooperative_matrix2_nv.h"
#include "vk/device_profiles.h"
#include "vk/driver_quirks.h"
#include "vk/pipeline.h"
#include "vk/pipeline_cache_file.h"
#include "vkllm/error.h"

namespace vkllm::vk {

Device::Device(std::shared_ptr<Instance> instance, const DeviceOptions& options)
    : instance_(std::move(instance)), pipeline_cache_dir_(options.pipeline_cache_dir) {
    auto devices = list_devices(*instance_);
    size_t index = select_device(devices, options.selector);
    physical_ = devices[index].handle;
    caps_ = std::move(devices[index].caps);
    if (caps_.compute_queue_family == UINT32_MAX)
        throw DeviceError("device '" + caps_.name + "' has no compute queue");
    if (caps_.api_version < VK_API_VERSION_1_2)
        throw DeviceError("device '" + caps_.name + "' supports Vulkan " +
                          std::to_string(VK_API_VERSION_MAJOR(caps_.api_version)) + "." +
                          std::to_string(VK_API_VERSION_MINOR(caps_.api_version)) +
                          " only; vkllm needs 1.2 (update the driver)");
    apply_device_options(caps_, options);
    vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
    if (!(options.submit_timeout_s > 0))
        throw InputError("the GPU submission timeout must be a positive number of seconds, not " +
                         std::to_string(options.submit_timeout_s));
    submit_timeout_s_ = std::max(1.0, options.submit_timeout_s);
    create_device();
}

void apply_device_options(DeviceCaps& caps, const DeviceOptions& options) {
    apply_driver_quirks(caps);
    apply_profile(caps, options.profile);
    apply_limits(caps, options.limits);
}

void Device::create_device() {
    const bool is_13 = caps_.api_version >= VK_API_VERSION_1_3;
    // Enable only what the (possibly limited) caps allow, so a limited run
    // really cannot use what it claims to lack: validation flags any use.
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    f11.storageBuffer16BitAccess = caps_.storage_16bit;
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.shaderFloat16 = caps_.shader_float16;
    f12.shaderInt8 = caps_.shader_int8;
    f12.storageBuffer8BitAccess = caps_.storage_8bit;
    f12.bufferDeviceAddress = caps_.buffer_device_address;
    VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
    f13.subgroupSizeControl = caps_.subgroup_size_control;
    f13.computeFullSubgroups = caps_.subgroup_size_control;
    f13.shaderIntegerDotProduct = caps_.integer_dot_product;
    f13.synchronization2 = VK_FALSE;
    // The cooperative-matrix shaders (built by the newer compiler) declare the
    // Vulkan memory model and size their workgroups by specialization-constant
    // ids (LocalSizeId, maintenance4): enabled with them where the device has both.
    if (caps_.cooperative_matrix && is_13) {
        VkPhysicalDeviceVulkan12Features has12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
        VkPhysicalDeviceVulkan13Features has13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
        has12.pNext = &has13;
        VkPhysicalDeviceFeatures2 has{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        has.pNext = &has12;
        vkGetPhysicalDeviceFeatures2(physical_, &has);
        f12.vulkanMemoryModel = has12.vulkanMemoryModel;
        f12.vulkanMemoryModelDeviceScope = has12.vulkanMemoryModelDeviceScope;
        f13.maintenance4 = has13.maintenance4;
    }
    VkPhysicalDeviceCooperativeMatrixFeaturesKHR coopmat{};
    coopmat.sType = VKLLM_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR;
    coopmat.cooperativeMatrix = VK_TRUE;

    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.features.shaderInt16 = caps_.shader_int16;
    features.features.shaderInt64 = caps_.shader_int64;
    features.pNext = &f11;
    f11.pNext = &f12;
    if (is_13) f12.pNext = &f13;

    // Workgroup-scope matrices: what shaders/matmul_coopmat2.comp declares.
    VkllmCooperativeMatrix2FeaturesNV coopmat2{};
    coopmat2.sType = VKLLM_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_FEATURES_NV;
    const CooperativeMatrix2& c2 = caps_.cooperative_matrix2;
    coopmat2.cooperativeMatrixWorkgroupScope = c2.workgroup_scope;
    coopmat2.cooperativeMatrixFlexibleDimensions = c2.flexible_dimensions;
    coopmat2.cooperativeMatrixTensorAddressing = c2.tensor_addressing;
    coopmat2.cooperativeMatrixConversions = c2.conversions;

    std::vector<const char*> extensions;
    if (caps_.external_memory_host) {
        // (Its dependency, VK_KHR_external_memory, is core since Vulkan 1.1.)
        extensions.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    }
    if (caps_.cooperative_matrix) {
        extensions.push_back(VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
        (is_13 ? f13.pNext : f12.pNext) = &coopmat;
        if (c2.usable()) {
            extensions.push_back(VKLLM_NV_COOPERATIVE_MATRIX_2_EXTENSION_NAME);
            coopmat.pNext = &coopmat2;
        }
    }

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queue_info.queueFamilyIndex = caps_.compute_queue_family;
    queue_info.queueCount = 1;
    queue_info.pQueuePriorities = &priority;

    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    info.pNext = &features;
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queue_info;
    info.enabledExtensionCount = uint32_t(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    VK_CHECK(vkCreateDevice(physical_, &info, nullptr, &device_));
    volkLoadDevice(device_);
    vkGetDeviceQueue(device_, caps_.compute_queue_family, 0, &queue_);

    VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool_info.queueFamilyIndex = caps_.compute_queue_family;
    VK_CHECK(vkCreateCommandPool(device_, &pool_info, nullptr, &command_pool_));

    std::vector<uint8_t> cache_data = load_pipeline_cache(pipeline_cache_dir_, caps_);
    VkPipelineCacheCreateInfo cache_info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    cache_info.initialDataSize = cache_data.size();
    cache_info.pInitialData = cache_data.empty() ? nullptr : cache_data.data();
    if (vkCreatePipelineCache(device_, &cache_info, nullptr, &pipeline_cache_) != VK_SUCCESS) {
        cache_info.initialDataSize = 0;  // a stale or foreign cache file is not an error
        cache_info.pInitialData = nullptr;
        VK_CHECK(vkCreatePipelineCache(device_, &cache_info, nullptr, &pipeline_cache_));
    }
}

Device::~Device() {
    if (!device_) return;
    vkDeviceWaitIdle(device_);
    pipelines_.clear();
    if (pipeline_cache_) {
        size_t size = 0;
        if (vkGetPipelineCacheData(device_, pipeline_cache_, &size, nullptr) == VK_SUCCESS && size) {
            std::vector<uint8_t> data(size);
            if (vkGetPipelineCacheData(device_, pipeline_cache_, &size, data.data()) == VK_SUCCESS)
                save_pipeline_cache(pipeline_cache_dir_, caps_, data);
        }
        vkDestroyPipelineCache(device_, pipeline_cache_, nullptr);
    }
    if (command_pool_) vkDestroyCommandPool(device_, command_pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
}

uint32_t Device::memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                             VkMemoryPropertyFlags preferred) const {
    uint32_t fallback = UINT32_MAX;
    for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
        if (!(type_bits & (1u << i))) continue;
        VkMemoryPropertyFlags f = memory_.memoryTypes[i].propertyFlags;
        if ((f & required) != required) continue;
        if ((f & preferred) == preferred) return i;
        if (fallback == UINT32_MAX) fallback = i;
    }
    return fallback;
}

VkMemoryPropertyFlags Device::memory_flags(uint32_t type_index) const {
    return memory_.memoryTypes[type_index].propertyFlags;
}

void Device::count_allocation(uint32_t type_index, uint64_t bytes, int sign) {
    std::atomic<uint64_t>& counter =
        memory_flags(type_index) & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT ? device_local_bytes_ : host_bytes_;
    if (sign > 0) counter += bytes;
    else counter -= bytes;
}

const Pipeline& Device::pipeline(const PipelineDesc& desc) {
    std::lock_guard lock(mutex_);
    std::string key = desc.key();
    auto it = pipelines_.find(key);
    if (it != pipelines_.end()) return *it->second;
    auto created = std::make_unique<Pipeline>(device_, pipeline_cache_, desc, caps_.subgroup_size_control);
    return *pipelines_.emplace(key, std::move(created)).first->second;
}

}  // namespace vkllm::vk
