// Capability overrides and device selection, on synthetic capability records
// (no GPU needed).
#include <doctest/doctest.h>

#include "vk/device.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::vk;

namespace {
DeviceCaps strong_caps() {
    DeviceCaps c;
    c.name = "Test GPU";
    c.shader_float16 = c.shader_int8 = c.storage_16bit = c.storage_8bit = true;
    c.integer_dot_product = c.cooperative_matrix = c.unified_memory = c.subgroup_arithmetic = true;
    c.cooperative_matrix_shapes.push_back({16, 16, 16, "f16", "f16", "f32", "f32"});
    c.max_storage_buffer_range = 1ull << 32;
    c.max_shared_memory = 48 << 10;
    c.subgroup_size = 32;
    c.subgroup_min_size = 16;
    c.subgroup_max_size = 64;
    c.subgroup_size_control = true;
    return c;
}

PhysicalDeviceEntry entry(const char* name, VkPhysicalDeviceType type) {
    PhysicalDeviceEntry e;
    e.caps.name = name;
    e.caps.device_type = type;
    e.caps.compute_queue_family = 0;
    return e;
}
}  // namespace

TEST_CASE("device limits take features away and lower sizes") {
    DeviceCaps c = strong_caps();
    apply_limits(c, "no-fp16,no-16bit-storage,no-int8,no-8bit-storage,no-int-dot,no-coopmat,no-unified,"
                    "no-subgroup-arithmetic,max-buffer-range=64M,shared-memory=16K,subgroup=16");
    CHECK_FALSE(c.shader_float16);
    CHECK_FALSE(c.storage_16bit);
    CHECK_FALSE(c.shader_int8);
    CHECK_FALSE(c.storage_8bit);
    CHECK_FALSE(c.integer_dot_product);
    CHECK_FALSE(c.cooperative_matrix);
    CHECK(c.cooperative_matrix_shapes.empty());
    CHECK_FALSE(c.unified_memory);
    CHECK_FALSE(c.subgroup_arithmetic);
    CHECK(c.max_storage_buffer_range == 64ull << 20);
    CHECK(c.max_shared_memory == 16u << 10);
    CHECK(c.subgroup_size == 16);
    CHECK(c.applied_limits.size() == 11);
}

TEST_CASE("device limits never raise a size") {
    DeviceCaps c = strong_caps();
    c.max_storage_buffer_range = 128ull << 20;
    apply_limits(c, "max-buffer-range=1G");
    CHECK(c.max_storage_buffer_range == 128ull << 20);
}

TEST_CASE("bad device limits are named") {
    DeviceCaps c = strong_caps();
    CHECK_THROWS_WITH_AS(apply_limits(c, "no-fp17"), doctest::Contains("unknown item 'no-fp17'"), InputError);
    CHECK_THROWS_WITH_AS(apply_limits(c, "max-buffer-range=lots"), doctest::Contains("needs a size"), InputError);
    CHECK_THROWS_WITH_AS(apply_limits(c, "subgroup=24"), doctest::Contains("power of two"), InputError);
    CHECK_THROWS_WITH_AS(apply_limits(c, "subgroup=128"), doctest::Contains("supported: 16..64"), InputError);
    c.subgroup_size_control = false;
    CHECK_THROWS_WITH_AS(apply_limits(c, "subgroup=16"), doctest::Contains("cannot run with subgroup size"),
                         InputError);
}

TEST_CASE("device selection prefers discrete, then integrated, virtual, cpu") {
    std::vector<PhysicalDeviceEntry> devices = {entry("llvmpipe", VK_PHYSICAL_DEVICE_TYPE_CPU),
                                                entry("Intel Iris", VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU),
                                                entry("NVIDIA H100", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)};
    CHECK(select_device(devices, "") == 2);
    devices.pop_back();
    CHECK(select_device(devices, "") == 1);
    devices.pop_back();
    CHECK(select_device(devices, "") == 0);
}

TEST_CASE("device selection by index or name substring, with clear misses") {
    std::vector<PhysicalDeviceEntry> devices = {entry("llvmpipe (LLVM 15)", VK_PHYSICAL_DEVICE_TYPE_CPU),
                                                entry("NVIDIA H100 80GB HBM3", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)};
    CHECK(select_device(devices, "0") == 0);
    CHECK(select_device(devices, "h100") == 1);
    CHECK(select_device(devices, "LLVMpipe") == 0);
    CHECK_THROWS_WITH_AS(select_device(devices, "7"), doctest::Contains("out of range"), InputError);
    CHECK_THROWS_WITH_AS(select_device(devices, "radeon"), doctest::Contains("no Vulkan device matches 'radeon'"),
                         InputError);
    CHECK_THROWS_WITH_AS(select_device({}, ""), doctest::Contains("mesa-vulkan-drivers"), DeviceError);
}
