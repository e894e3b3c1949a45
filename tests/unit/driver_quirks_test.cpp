// Driver quirks: matching by driver, version range (both ends included) and
// device test, on synthetic capability records; the engine's own entries on
// the drivers they name; and the order Device applies quirks, profile, limits.
#include <doctest/doctest.h>

#include "vk/device.h"
#include "vk/driver_quirks.h"

using namespace vkllm::vk;

namespace {
DeviceCaps on_driver(uint32_t driver_id, uint32_t version) {
    DeviceCaps c;
    c.driver_id = driver_id;
    c.driver_version = version;
    c.cooperative_matrix = true;
    c.cooperative_matrix_shapes.push_back({16, 16, 16, "f16", "f16", "f32", "f32"});
    c.max_storage_buffer_range = 0x20000058;
    c.max_shared_memory = 64 << 10;
    c.subgroup_size = c.subgroup_min_size = c.subgroup_max_size = 64;
    return c;
}

bool big_shared_memory(const DeviceCaps& c) { return c.max_shared_memory > (32 << 10); }
void halve_shared_memory(DeviceCaps& c) { c.max_shared_memory /= 2; }

const std::vector<DriverQuirk> kTable = {
    {.name = "ranged",
     .drivers = {VK_DRIVER_ID_MESA_RADV, VK_DRIVER_ID_MESA_LLVMPIPE},
     .min_version = VK_MAKE_VERSION(23, 1, 0),
     .max_version = VK_MAKE_VERSION(23, 3, 2),
     .bug = "test",
     .workaround = "test",
     .apply = halve_shared_memory},
    {.name = "device-test",
     .drivers = {VK_DRIVER_ID_ARM_PROPRIETARY},
     .device_matches = big_shared_memory,
     .bug = "test",
     .workaround = "test",
     .apply = halve_shared_memory},
};

std::vector<std::string> names(const std::vector<const DriverQuirk*>& quirks) {
    std::vector<std::string> out;
    for (const DriverQuirk* q : quirks) out.push_back(q->name);
    return out;
}
}  // namespace

TEST_CASE("a version range matches both of its ends and nothing outside") {
    using V = std::vector<std::string>;
    CHECK(names(matching_quirks(on_driver(VK_DRIVER_ID_MESA_RADV, VK_MAKE_VERSION(23, 1, 0)), kTable)) == V{"ranged"});
    CHECK(names(matching_quirks(on_driver(VK_DRIVER_ID_MESA_RADV, VK_MAKE_VERSION(23, 3, 2)), kTable)) == V{"ranged"});
    CHECK(names(matching_quirks(on_driver(VK_DRIVER_ID_MESA_LLVMPIPE, VK_MAKE_VERSION(23, 2, 9)), kTable)) ==
          V{"ranged"});
    CHECK(matching_quirks(on_driver(VK_DRIVER_ID_MESA_RADV, VK_MAKE_VERSION(23, 0, 99)), kTable).empty());
    CHECK(matching_quirks(on_driver(VK_DRIVER_ID_MESA_RADV, VK_MAKE_VERSION(23, 3, 3)), kTable).empty());
    CHECK(matching_quirks(on_driver(VK_DRIVER_ID_INTEL_OPEN_SOURCE_MESA, VK_MAKE_VERSION(23, 2, 0)), kTable).empty());
}

TEST_CASE("a device test narrows a quirk to the devices it names") {
    DeviceCaps big = on_driver(VK_DRIVER_ID_ARM_PROPRIETARY, 1);
    DeviceCaps small = big;
    small.max_shared_memory = 32 << 10;
    CHECK(matching_quirks(big, kTable).size() == 1);
    CHECK(matching_quirks(small, kTable).empty());
    apply_driver_quirks(big, kTable);
    CHECK(big.max_shared_memory == 32u << 10);
    CHECK(big.quirks == std::vector<std::string>{"device-test"});
}

TEST_CASE("AMD's own drivers lose cooperative matrix on GPUs without matrix cores") {
    for (uint32_t driver : {VK_DRIVER_ID_AMD_PROPRIETARY, VK_DRIVER_ID_AMD_OPEN_SOURCE}) {
        DeviceCaps old_gpu = on_driver(driver, VK_MAKE_VERSION(2, 0, 300));
        apply_driver_quirks(old_gpu);
        CHECK_FALSE(old_gpu.cooperative_matrix);
        CHECK(old_gpu.cooperative_matrix_shapes.empty());
        CHECK(old_gpu.quirks == std::vector<std::string>{"amd-coopmat-without-matrix-cores"});

        DeviceCaps rdna3 = on_driver(driver, VK_MAKE_VERSION(2, 0, 300));
        rdna3.integer_dot_product_mixed_4x8_accelerated = true;
        apply_driver_quirks(rdna3);
        CHECK(rdna3.cooperative_matrix);
        CHECK(rdna3.quirks.empty());
    }
    // RADV reports cooperative matrix only where it works (GFX11 and newer): no quirk.
    DeviceCaps radv = on_driver(VK_DRIVER_ID_MESA_RADV, VK_MAKE_VERSION(24, 0, 0));
    apply_driver_quirks(radv);
    CHECK(radv.cooperative_matrix);
    CHECK(radv.quirks.empty());
}

TEST_CASE("the Qualcomm driver's storage-buffer range is held to the hardware's 128 MiB") {
    DeviceCaps adreno = on_driver(VK_DRIVER_ID_QUALCOMM_PROPRIETARY, VK_MAKE_VERSION(512, 744, 0));
    apply_driver_quirks(adreno);
    CHECK(adreno.max_storage_buffer_range == 128u << 20);
    CHECK(adreno.quirks == std::vector<std::string>{"qualcomm-storage-buffer-range"});
    DeviceCaps small = on_driver(VK_DRIVER_ID_QUALCOMM_PROPRIETARY, 0);
    small.max_storage_buffer_range = 64 << 20;
    apply_driver_quirks(small);
    CHECK(small.max_storage_buffer_range == 64u << 20);  // a quirk only lowers
}

TEST_CASE("lavapipe has no quirks; every entry of the table is documented") {
    DeviceCaps lavapipe = on_driver(VK_DRIVER_ID_MESA_LLVMPIPE, VK_MAKE_VERSION(22, 3, 6));
    apply_driver_quirks(lavapipe);
    CHECK(lavapipe.quirks.empty());
    for (const DriverQuirk& q : driver_quirks()) {
        CHECK(!q.drivers.empty());
        CHECK(q.min_version <= q.max_version);
        CHECK(std::string(q.bug).size() > 40);
        CHECK(std::string(q.workaround).size() > 10);
        CHECK(bool(q.apply));
    }
}

TEST_CASE("llvmpipe on 64-bit Arm with LLVM 15 loses half-precision conversion, elsewhere it keeps it") {
    CHECK(llvmpipe_llvm_major("llvmpipe (LLVM 15.0.6, 128 bits)") == 15);
    CHECK(llvmpipe_llvm_major("llvmpipe (LLVM 19.1.7, 256 bits)") == 19);
    CHECK(llvmpipe_llvm_major("NVIDIA H200") == 0);
    DeviceCaps lvp = on_driver(VK_DRIVER_ID_MESA_LLVMPIPE, VK_MAKE_VERSION(22, 3, 6));
    lvp.name = "llvmpipe (LLVM 15.0.6, 128 bits)";
    CHECK(llvmpipe_arm64_half_conversion_bug(lvp, true));
    CHECK_FALSE(llvmpipe_arm64_half_conversion_bug(lvp, false));  // x86-64: the same LLVM is fine
    DeviceCaps newer = lvp;
    newer.name = "llvmpipe (LLVM 19.1.7, 128 bits)";
    CHECK_FALSE(llvmpipe_arm64_half_conversion_bug(newer, true));
    // The entry applies where the test binary runs on Arm, and only there.
    lvp.storage_16bit = lvp.shader_float16 = true;
    apply_driver_quirks(lvp);
#if defined(__aarch64__)
    CHECK(lvp.quirks == std::vector<std::string>{"llvmpipe-arm64-half-conversion"});
    CHECK_FALSE(lvp.half_conversion);
    CHECK_FALSE(lvp.storage_16bit);
#else
    CHECK(lvp.quirks.empty());
    CHECK(lvp.half_conversion);
#endif
}

TEST_CASE("a Device applies quirks, then the profile, then the limit list") {
    DeviceCaps c = on_driver(VK_DRIVER_ID_QUALCOMM_PROPRIETARY, 0);
    c.shader_float16 = c.storage_16bit = true;
    DeviceOptions options;
    options.profile = "apple-m1";
    options.limits = "no-16bit-storage,max-buffer-range=64M";
    apply_device_options(c, options);
    CHECK(c.quirks == std::vector<std::string>{"qualcomm-storage-buffer-range"});
    CHECK(c.profile == "apple-m1");
    CHECK_FALSE(c.shader_float16);  // the profile
    CHECK_FALSE(c.storage_16bit);   // the limit list
    CHECK(c.max_storage_buffer_range == 64u << 20);
    CHECK(c.max_shared_memory == 32u << 10);
}

TEST_CASE("driver versions are shown in their vendor's encoding") {
    CHECK(driver_version_text(VK_DRIVER_ID_NVIDIA_PROPRIETARY, (535u << 22) | (104u << 14) | (5u << 6)) == "535.104.5.0");
    CHECK(driver_version_text(VK_DRIVER_ID_INTEL_PROPRIETARY_WINDOWS, (101u << 14) | 4953u) == "101.4953");
    CHECK(driver_version_text(VK_DRIVER_ID_MESA_LLVMPIPE, VK_MAKE_VERSION(22, 3, 6)) == "22.3.6");
    CHECK(driver_version_text(VK_DRIVER_ID_QUALCOMM_PROPRIETARY, (512u << 22) | (744u << 12)) == "512.744.0");
}
