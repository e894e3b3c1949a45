#pragma once
// What a physical device can do, read once; shader variants are chosen from
// this, not from vendor names. apply_limits() makes a device look weaker so
// fallback paths run on any machine (VKLLM_DEVICE_LIMITS, see README); a
// device profile (device_profiles.h) and the driver quirks (driver_quirks.h)
// lower it the same way.
#include <volk.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::vk {

struct MemoryHeapInfo {
    uint64_t size = 0;
    bool device_local = false;
    bool host_visible_device_local = false;  // a memory type on it is both
};

struct CooperativeMatrixShape {
    uint32_t m = 0, n = 0, k = 0;
    std::string a_type, b_type, c_type, result_type;
};

// VK_NV_cooperative_matrix2 (NVIDIA): matrices of a whole workgroup whose
// staging through shared memory the compiler manages, loaded by tensor
// layouts (shaders/matmul_coopmat2.comp).
struct CooperativeMatrix2 {
    bool workgroup_scope = false, flexible_dimensions = false, tensor_addressing = false, conversions = false;
    uint32_t max_workgroup_invocations = 0;  // of a workgroup using workgroup-scope matrices
    uint32_t max_dimension = 0;              // largest flexible matrix edge
    uint32_t reserved_shared_memory = 0;     // bytes the staging keeps from the workgroup's shared memory
    // Workgroup-scope shapes the device multiplies: edges multiples of m, n, k,
    // in workgroups of `invocations`.
    struct Shape {
        uint32_t m = 0, n = 0, k = 0, invocations = 0;
        std::string a_type, b_type, c_type, result_type;
    };
    std::vector<Shape> shapes;
    bool usable() const { return workgroup_scope && flexible_dimensions && tensor_addressing && !shapes.empty(); }
};

struct DeviceCaps {
    std::string name;
    std::string type;  // discrete, integrated, virtual, cpu, other
    VkPhysicalDeviceType device_type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    uint32_t vendor_id = 0, device_id = 0;
    uint32_t api_version = 0;
    std::string driver_name, driver_info;
    uint32_t driver_id = 0;       // VkDriverId (VK_DRIVER_ID_MESA_LLVMPIPE, ...); 0: not reported
    uint32_t driver_version = 0;  // VkPhysicalDeviceProperties::driverVersion, encoded the vendor's way

    uint32_t subgroup_size = 0;
    uint32_t subgroup_min_size = 0, subgroup_max_size = 0;  // size control range
    bool subgroup_size_control = false;
    bool subgroup_arithmetic = false, subgroup_shuffle = false, subgroup_ballot = false;
    std::vector<std::string> subgroup_operations;

    uint32_t max_shared_memory = 0;
    uint32_t max_workgroup_size[3] = {0, 0, 0};
    uint32_t max_workgroup_invocations = 0;
    uint32_t max_workgroup_count[3] = {0, 0, 0};
    uint64_t max_storage_buffer_range = 0;
    uint64_t max_memory_allocation_size = 0;
    uint32_t max_push_constants = 0;
    uint64_t min_storage_buffer_alignment = 0;

    std::vector<MemoryHeapInfo> heaps;
    bool unified_memory = false;  // every device-local heap is host-visible too

    bool shader_float16 = false, shader_int8 = false, shader_int16 = false, shader_int64 = false;
    bool storage_16bit = false, storage_8bit = false;
    // Shaders may convert f16 values to f32 (16-bit loads, unpackHalf2x16):
    // true on every driver but one with a known bug (vk/driver_quirks.cpp).
    // Without it f16 and block-format weights are converted to f32 at load
    // and the KV cache is f32.
    bool half_conversion = true;
    bool integer_dot_product = false;
    bool integer_dot_product_4x8_accelerated = false;
    bool integer_dot_product_mixed_4x8_accelerated = false;  // mixed signedness (AMD RDNA3 and newer)
    bool buffer_device_address = false;
    // VK_EXT_external_memory_host: host memory (a mapped weight file) imported
    // as device memory, its address and size multiples of the alignment.
    bool external_memory_host = false;
    uint64_t imported_host_pointer_alignment = 0;
    bool cooperative_matrix = false;
    std::vector<CooperativeMatrixShape> cooperative_matrix_shapes;
    CooperativeMatrix2 cooperative_matrix2;

    uint32_t compute_queue_family = UINT32_MAX;
    bool timestamps = false;
    float timestamp_period_ns = 0.f;

    std::vector<std::string> applied_limits;  // what VKLLM_DEVICE_LIMITS took away
    std::string profile;                      // the device profile applied (DeviceOptions::profile), or empty
    std::vector<std::string> profile_changes; // what the profile lowered, e.g. "shared memory 64.0 KiB -> 32.0 KiB"
    std::vector<std::string> profile_notes;   // what the profile has and this device lacks (left as the device is)
    std::vector<std::string> quirks;          // driver quirks applied (driver_quirks.h), by name

    uint64_t device_local_bytes() const;
    // Takes cooperative matrices away (both extensions): limits, profiles and quirks.
    void drop_cooperative_matrix();
};

DeviceCaps probe_device(VkInstance instance, VkPhysicalDevice device);

// Parses a comma-separated limit list, e.g.
//   "no-fp16,no-16bit-storage,no-int8,no-8bit-storage,no-int-dot,no-coopmat,no-coopmat2,no-host-import,no-unified,
//    max-buffer-range=32M,shared-memory=16K,subgroup=16"
// and lowers `caps` accordingly. Throws InputError on an unknown item.
void apply_limits(DeviceCaps& caps, const std::string& spec);

std::string format_bytes(uint64_t bytes);

// The driver version in its vendor's encoding: "535.104.5.0" for NVIDIA,
// "101.4953" for Intel's Windows driver, "major.minor.patch" (Vulkan
// encoding, used by Mesa and most others) else.
std::string driver_version_text(uint32_t driver_id, uint32_t version);

}  // namespace vkllm::vk
