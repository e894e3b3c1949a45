#pragma once
// Known driver bugs that the engine works around, keyed by driver
// (VkDriverId) and driver-version range, with an optional test of the device.
// Each workaround takes away a capability the engine has a fallback for
// (cooperative matrix, a smaller buffer range, ...), so the
// same shader choice that serves a weaker device serves the buggy driver.
// Applied when a Device is created, before the profile and the limit list
// (DeviceOptions); `vkllm devices` lists the quirks that match.
#include <cstdint>
#include <string>
#include <vector>

#include "vk/device_caps.h"

namespace vkllm::vk {

struct DriverQuirk {
    const char* name;
    std::vector<uint32_t> drivers;   // VkDriverId values it concerns
    uint32_t min_version = 0;        // driverVersion range, both ends included, in that driver's encoding
    uint32_t max_version = UINT32_MAX;
    bool (*device_matches)(const DeviceCaps&) = nullptr;  // null: every device on those drivers
    const char* bug;                 // what goes wrong, and where it is reported
    const char* workaround;          // what the engine does instead
    void (*apply)(DeviceCaps&) = nullptr;
};

const std::vector<DriverQuirk>& driver_quirks();

// The LLVM major version in an llvmpipe device name ("llvmpipe (LLVM 15.0.6,
// 128 bits)"), 0 where it names none.
uint32_t llvmpipe_llvm_major(const std::string& device_name);
// Whether llvmpipe with this device name has the half-conversion bug of
// "llvmpipe-arm64-half-conversion" on a host of the given architecture.
bool llvmpipe_arm64_half_conversion_bug(const DeviceCaps& caps, bool host_is_arm64);

bool quirk_matches(const DriverQuirk& quirk, const DeviceCaps& caps);
// The quirks of `table` that match `caps` (the engine's own table by default).
std::vector<const DriverQuirk*> matching_quirks(const DeviceCaps& caps,
                                                const std::vector<DriverQuirk>& table = driver_quirks());
// Applies every matching quirk and names it in caps.quirks.
void apply_driver_quirks(DeviceCaps& caps, const std::vector<DriverQuirk>& table = driver_quirks());

}  // namespace vkllm::vk
