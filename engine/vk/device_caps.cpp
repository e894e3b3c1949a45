#include "vk/device_caps.h"

#include <cstring>
#include <sstream>

#include "common/parse_number.h"
#include "vk/check.h"
#include "vk/cooperative_matrix2_nv.h"
#include "vkllm/error.h"

namespace vkllm::vk {

namespace {

const char* type_name(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
        default: return "other";
    }
}

std::string component_name(VkComponentTypeKHR t) {
    switch (uint32_t(t)) {
        case 1000141000u: return "bf16";  // VK_KHR_shader_bfloat16, newer than our headers
        case 1000491002u: return "f8e4m3";  // VK_EXT_shader_float8
        case 1000491003u: return "f8e5m2";
        default: break;
    }
    switch (t) {
        case VK_COMPONENT_TYPE_FLOAT16_KHR: return "f16";
        case VK_COMPONENT_TYPE_FLOAT32_KHR: return "f32";
        case VK_COMPONENT_TYPE_FLOAT64_KHR: return "f64";
        case VK_COMPONENT_TYPE_SINT8_KHR: return "i8";
        case VK_COMPONENT_TYPE_SINT16_KHR: return "i16";
        case VK_COMPONENT_TYPE_SINT32_KHR: return "i32";
        case VK_COMPONENT_TYPE_SINT64_KHR: return "i64";
        case VK_COMPONENT_TYPE_UINT8_KHR: return "u8";
        case VK_COMPONENT_TYPE_UINT16_KHR: return "u16";
        case VK_COMPONENT_TYPE_UINT32_KHR: return "u32";
        case VK_COMPONENT_TYPE_UINT64_KHR: return "u64";
        default: return "type" + std::to_string(uint32_t(t));
    }
}

bool has_extension(VkPhysicalDevice device, const char* name) {
    uint32_t count = 0;
    vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> exts(count);
    vkEnumerateDeviceExtensionProperties(device, nullptr, &count, exts.data());
    for (const auto& e : exts)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

void read_subgroup_ops(DeviceCaps& caps, VkSubgroupFeatureFlags ops) {
    struct Op {
        VkSubgroupFeatureFlagBits bit;
        const char* name;
    };
    const Op all[] = {{VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},
                      {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
                      {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"},
                      {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
                      {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},
                      {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle_relative"},
                      {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"},
                      {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"}};
    for (const Op& op : all)
        if (ops & op.bit) caps.subgroup_operations.push_back(op.name);
    caps.subgroup_arithmetic = ops & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    caps.subgroup_shuffle = ops & VK_SUBGROUP_FEATURE_SHUFFLE_BIT;
    caps.subgroup_ballot = ops & VK_SUBGROUP_FEATURE_BALLOT_BIT;
}

void read_memory(DeviceCaps& caps, VkPhysicalDevice device) {
    VkPhysicalDeviceMemoryProperties mem{};
    vkGetPhysicalDeviceMemoryProperties(device, &mem);
    caps.heaps.resize(mem.memoryHeapCount);
    for (uint32_t h = 0; h < mem.memoryHeapCount; ++h) {
        caps.heaps[h].size = mem.memoryHeaps[h].size;
        caps.heaps[h].device_local = mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
    }
    for (uint32_t t = 0; t < mem.memoryTypeCount; ++t) {
        VkMemoryPropertyFlags f = mem.memoryTypes[t].propertyFlags;
        if ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
            caps.heaps[mem.memoryTypes[t].heapIndex].host_visible_device_local = true;
    }
    bool any_device_local = false;
    caps.unified_memory = true;
    for (const auto& heap : caps.heaps) {
        if (!heap.device_local) continue;
        any_device_local = true;
        // A small host-visible window (resizable BAR off: 256 MiB) on a discrete card is not unified memory.
        if (!heap.host_visible_device_local) caps.unified_memory = false;
    }
    if (!any_device_local) caps.unified_memory = false;
    if (caps.device_type == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) caps.unified_memory = false;
}

void read_cooperative_matrix(DeviceCaps& caps, VkInstance instance, VkPhysicalDevice device) {
    if (!has_extension(device, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME)) return;
    auto get = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR>(
        vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR"));
    if (!get) return;
    uint32_t count = 0;
    if (get(device, &count, nullptr) != VK_SUCCESS) return;
    std::vector<VkCooperativeMatrixPropertiesKHR> props(count);
    for (auto& p : props) {
        std::memset(&p, 0, sizeof p);
        p.sType = VKLLM_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
    }
    if (get(device, &count, props.data()) != VK_SUCCESS) return;
    caps.cooperative_matrix = count > 0;
    for (uint32_t i = 0; i < count; ++i) {
        const auto& p = props[i];
        if (p.scope != VK_SCOPE_SUBGROUP_KHR) continue;
        caps.cooperative_matrix_shapes.push_back({p.MSize, p.NSize, p.KSize, component_name(p.AType),
                                                  component_name(p.BType), component_name(p.CType),
                                                  component_name(p.ResultType)});
    }
}

void read_cooperative_matrix2(DeviceCaps& caps, VkInstance instance, VkPhysicalDevice device) {
    if (!caps.cooperative_matrix || !has_extension(device, VKLLM_NV_COOPERATIVE_MATRIX_2_EXTENSION_NAME)) return;
    VkllmCooperativeMatrix2FeaturesNV f{};
    f.sType = VKLLM_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_FEATURES_NV;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.pNext = &f;
    vkGetPhysicalDeviceFeatures2(device, &features);
    VkllmCooperativeMatrix2PropertiesNV p{};
    p.sType = VKLLM_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_PROPERTIES_NV;
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props.pNext = &p;
    vkGetPhysicalDeviceProperties2(device, &props);
    CooperativeMatrix2& c = caps.cooperative_matrix2;
    c.workgroup_scope = f.cooperativeMatrixWorkgroupScope;
    c.flexible_dimensions = f.cooperativeMatrixFlexibleDimensions;
    c.tensor_addressing = f.cooperativeMatrixTensorAddressing;
    c.conversions = f.cooperativeMatrixConversions;
    c.max_workgroup_invocations = p.cooperativeMatrixWorkgroupScopeMaxWorkgroupSize;
    c.max_dimension = p.cooperativeMatrixFlexibleDimensionsMaxDimension;
    c.reserved_shared_memory = p.cooperativeMatrixWorkgroupScopeReservedSharedMemory;
    auto get = reinterpret_cast<PFN_vkllmGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV>(
        vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV"));
    uint32_t count = 0;
    if (!get || get(device, &count, nullptr) != VK_SUCCESS) return;
    std::vector<VkllmCooperativeMatrixFlexibleDimensionsPropertiesNV> shapes(count);
    for (auto& s : shapes) {
        std::memset(&s, 0, sizeof s);
        s.sType = VKLLM_STRUCTURE_TYPE_COOPERATIVE_MATRIX_FLEXIBLE_DIMENSIONS_PROPERTIES_NV;
    }
    if (get(device, &count, shapes.data()) != VK_SUCCESS) return;
    for (uint32_t i = 0; i < count; ++i) {
        const auto& s = shapes[i];
        if (s.scope != VK_SCOPE_WORKGROUP_KHR || s.saturatingAccumulation) continue;
        c.shapes.push_back({s.MGranularity, s.NGranularity, s.KGranularity, s.workgroupInvocations,
                            component_name(s.AType), component_name(s.BType), component_name(s.CType),
                            component_name(s.ResultType)});
    }
}

uint64_t parse_size(const std::string& item, const std::string& value) {
    // Digits, then at most one unit letter; no sign, so "-5" is refused rather than wrapped around.
    const size_t digits = value.find_first_not_of("0123456789");
    const std::string suffix = digits == std::string::npos ? std::string() : value.substr(digits);
    const std::optional<uint64_t> number = parse_unsigned(std::string_view(value).substr(0, digits));
    unsigned shift = 0;
    if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M" || suffix == "m") shift = 20;
    else if (suffix == "G" || suffix == "g") shift = 30;
    else if (!suffix.empty()) shift = 64;
    if (!number || shift == 64 || (shift && *number > (UINT64_MAX >> shift)))
        throw InputError("VKLLM_DEVICE_LIMITS: '" + item + "' needs a size such as 64M, 16K or 4096");
    return *number << shift;
}

}  // namespace

uint64_t DeviceCaps::device_local_bytes() const {
    uint64_t total = 0;
    for (const auto& h : heaps)
        if (h.device_local) total += h.size;
    return total;
}

void DeviceCaps::drop_cooperative_matrix() {
    cooperative_matrix = false;
    cooperative_matrix_shapes.clear();
    cooperative_matrix2 = {};
}

DeviceCaps probe_device(VkInstance instance, VkPhysicalDevice device) {
    DeviceCaps caps;

    VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceSubgroupSizeControlProperties size_control{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties maintenance3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceShaderIntegerDotProductProperties dot_props{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props.pNext = &driver;
    driver.pNext = &subgroup;
    subgroup.pNext = &maintenance3;

    VkPhysicalDeviceProperties basic{};
    vkGetPhysicalDeviceProperties(device, &basic);
    const bool is_13 = basic.apiVersion >= VK_API_VERSION_1_3;
    if (is_13) {
        maintenance3.pNext = &size_control;
        size_control.pNext = &dot_props;
    }
    vkGetPhysicalDeviceProperties2(device, &props);

    const VkPhysicalDeviceLimits& limits = props.properties.limits;
    caps.name = props.properties.deviceName;
    caps.device_type = props.properties.deviceType;
    caps.type = type_name(caps.device_type);
    caps.vendor_id = props.properties.vendorID;
    caps.device_id = props.properties.deviceID;
    caps.api_version = props.properties.apiVersion;
    caps.driver_name = driver.driverName;
    caps.driver_info = driver.driverInfo;
    caps.driver_id = uint32_t(driver.driverID);
    caps.driver_version = props.properties.driverVersion;

    caps.subgroup_size = subgroup.subgroupSize;
    caps.subgroup_min_size = caps.subgroup_max_size = subgroup.subgroupSize;
    if (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) read_subgroup_ops(caps, subgroup.supportedOperations);

    caps.max_shared_memory = limits.maxComputeSharedMemorySize;
    for (int i = 0; i < 3; ++i) {
        caps.max_workgroup_size[i] = limits.maxComputeWorkGroupSize[i];
        caps.max_workgroup_count[i] = limits.maxComputeWorkGroupCount[i];
    }
    caps.max_workgroup_invocations = limits.maxComputeWorkGroupInvocations;
    caps.max_storage_buffer_range = limits.maxStorageBufferRange;
    caps.max_memory_allocation_size = maintenance3.maxMemoryAllocationSize;
    caps.max_push_constants = limits.maxPushConstantsSize;
    caps.min_storage_buffer_alignment = limits.minStorageBufferOffsetAlignment;
    caps.timestamp_period_ns = limits.timestampPeriod;

    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.pNext = &f11;
    f11.pNext = &f12;
    if (is_13) f12.pNext = &f13;
    vkGetPhysicalDeviceFeatures2(device, &features);

    caps.shader_float16 = f12.shaderFloat16;
    caps.shader_int8 = f12.shaderInt8;
    caps.shader_int16 = features.features.shaderInt16;
    caps.shader_int64 = features.features.shaderInt64;
    caps.storage_16bit = f11.storageBuffer16BitAccess;
    caps.storage_8bit = f12.storageBuffer8BitAccess;
    caps.buffer_device_address = f12.bufferDeviceAddress;
    if (is_13) {
        caps.subgroup_size_control = f13.subgroupSizeControl && f13.computeFullSubgroups &&
                                     (size_control.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
        if (caps.subgroup_size_control) {
            caps.subgroup_min_size = size_control.minSubgroupSize;
            caps.subgroup_max_size = size_control.maxSubgroupSize;
        }
        caps.integer_dot_product = f13.shaderIntegerDotProduct;
        caps.integer_dot_product_4x8_accelerated = dot_props.integerDotProduct4x8BitPackedSignedAccelerated;
        caps.integer_dot_product_mixed_4x8_accelerated =
            dot_props.integerDotProduct4x8BitPackedMixedSignednessAccelerated;
    }

    read_memory(caps, device);
    if (has_extension(device, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
        VkPhysicalDeviceExternalMemoryHostPropertiesEXT host{
            VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
        VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
        p2.pNext = &host;
        vkGetPhysicalDeviceProperties2(device, &p2);
        caps.imported_host_pointer_alignment = host.minImportedHostPointerAlignment;
        // Storage buffers over imported host allocations (vk::Buffer's import constructor) must be importable.
        VkPhysicalDeviceExternalBufferInfo buffer{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO};
        buffer.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
        buffer.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
        VkExternalBufferProperties external{VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
        vkGetPhysicalDeviceExternalBufferProperties(device, &buffer, &external);
        caps.external_memory_host =
            caps.imported_host_pointer_alignment > 0 &&
            (external.externalMemoryProperties.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT);
    }
    read_cooperative_matrix(caps, instance, device);
    read_cooperative_matrix2(caps, instance, device);

    uint32_t family_count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device, &family_count, nullptr);
    std::vector<VkQueueFamilyProperties> families(family_count);
    vkGetPhysicalDeviceQueueFamilyProperties(device, &family_count, families.data());
    // Prefer a family with compute; among those, one with graphics is the "main" queue on most drivers.
    for (uint32_t i = 0; i < family_count; ++i) {
        if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
        if (caps.compute_queue_family == UINT32_MAX || (families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
            caps.compute_queue_family = i;
            caps.timestamps = families[i].timestampValidBits > 0 && limits.timestampComputeAndGraphics;
        }
        if (families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) break;
    }
    return caps;
}

void apply_limits(DeviceCaps& caps, const std::string& spec) {
    std::stringstream stream(spec);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (item.empty()) continue;
        std::string key = item, value;
        if (auto eq = item.find('='); eq != std::string::npos) {
            key = item.substr(0, eq);
            value = item.substr(eq + 1);
        }
        if (key == "no-fp16") caps.shader_float16 = false;
        else if (key == "no-int8") caps.shader_int8 = false;
        else if (key == "no-16bit-storage") caps.storage_16bit = false;
        else if (key == "no-half-conversion") caps.half_conversion = caps.storage_16bit = false;
        else if (key == "no-8bit-storage") caps.storage_8bit = false;
        else if (key == "no-int-dot")
            caps.integer_dot_product = caps.integer_dot_product_4x8_accelerated =
                caps.integer_dot_product_mixed_4x8_accelerated = false;
        else if (key == "no-coopmat") caps.drop_cooperative_matrix();
        else if (key == "no-coopmat2") caps.cooperative_matrix2 = {};
        else if (key == "no-host-import") caps.external_memory_host = false;
        else if (key == "no-unified") caps.unified_memory = false;
        else if (key == "no-subgroup-arithmetic") caps.subgroup_arithmetic = false;
        else if (key == "max-buffer-range") {
            uint64_t n = parse_size(item, value);
            if (n < 4096) throw InputError("VKLLM_DEVICE_LIMITS: max-buffer-range must be at least 4K");
            if (n < caps.max_storage_buffer_range) caps.max_storage_buffer_range = n;
        } else if (key == "shared-memory") {
            uint64_t n = parse_size(item, value);
            if (n < 1024) throw InputError("VKLLM_DEVICE_LIMITS: shared-memory must be at least 1K");
            if (n < caps.max_shared_memory) caps.max_shared_memory = uint32_t(n);
        } else if (key == "subgroup") {
            uint64_t n = parse_size(item, value);
            if (n == 0 || (n & (n - 1)))
                throw InputError("VKLLM_DEVICE_LIMITS: subgroup must be a power of two, got '" + value + "'");
            if (!caps.subgroup_size_control || n < caps.subgroup_min_size || n > caps.subgroup_max_size)
                throw InputError("VKLLM_DEVICE_LIMITS: this device cannot run with subgroup size " + value +
                                 " (supported: " + std::to_string(caps.subgroup_min_size) + ".." +
                                 std::to_string(caps.subgroup_max_size) + ")");
            caps.subgroup_size = uint32_t(n);
        } else {
            throw InputError("VKLLM_DEVICE_LIMITS: unknown item '" + item +
                             "' (known: no-fp16, no-int8, no-16bit-storage, no-8bit-storage, no-half-conversion, no-int-dot, "
                             "no-coopmat, no-coopmat2, no-host-import, no-unified, no-subgroup-arithmetic, max-buffer-range=N, "
                             "shared-memory=N, subgroup=N)");
        }
        caps.applied_limits.push_back(item);
    }
}

std::string format_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return buf;
}

std::string driver_version_text(uint32_t driver_id, uint32_t v) {
    char buf[48];
    if (driver_id == VK_DRIVER_ID_NVIDIA_PROPRIETARY)
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v >> 22, (v >> 14) & 0xff, (v >> 6) & 0xff, v & 0x3f);
    else if (driver_id == VK_DRIVER_ID_INTEL_PROPRIETARY_WINDOWS)
        std::snprintf(buf, sizeof buf, "%u.%u", v >> 14, v & 0x3fff);
    else
        // The old VK_MAKE_VERSION layout, without the API variant bits: the Qualcomm driver's major is 512.
        std::snprintf(buf, sizeof buf, "%u.%u.%u", v >> 22, (v >> 12) & 0x3ff, v & 0xfff);
    return buf;
}

}  // namespace vkllm::vk
