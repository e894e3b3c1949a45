#pragma once
// Real-device limit profiles: the limits and features of a GPU family as its
// published Vulkan driver reports them, applied as ceilings to the device the
// engine runs on (DeviceOptions::profile; the CLI reads VKLLM_DEVICE_PROFILE).
// A profile only ever lowers what the device has: a feature the profile has
// and the device lacks stays off and is named in DeviceCaps::profile_notes.
// The table, with the source of every figure, is in device_profiles.cpp.
#include <cstdint>
#include <string>
#include <vector>

#include "vk/device_caps.h"

namespace vkllm::vk {

// One figure of a profile and where it was read. A figure without a source is
// not part of the profile: the device's own value is kept.
template <class T>
struct ProfileFigure {
    T value{};
    const char* source = nullptr;
    bool set() const { return source != nullptr; }
};

struct DeviceProfile {
    const char* name;         // what VKLLM_DEVICE_PROFILE names, e.g. "adreno-740"
    const char* description;  // the GPUs and driver it stands for
    // Subgroups: the size shaders run with, the range a pipeline may require
    // and whether it may require one at all (VK_EXT_subgroup_size_control).
    ProfileFigure<uint32_t> subgroup_size, subgroup_min_size, subgroup_max_size;
    ProfileFigure<bool> subgroup_size_control, subgroup_arithmetic;
    ProfileFigure<uint32_t> max_shared_memory;             // maxComputeSharedMemorySize
    ProfileFigure<uint64_t> max_storage_buffer_range;      // maxStorageBufferRange
    ProfileFigure<uint32_t> max_workgroup_invocations;     // maxComputeWorkGroupInvocations
    ProfileFigure<uint32_t> max_workgroup_size;            // maxComputeWorkGroupSize, each of x, y, z
    ProfileFigure<bool> shader_float16, shader_int8;       // shaderFloat16, shaderInt8
    ProfileFigure<bool> storage_16bit, storage_8bit;       // storageBuffer16BitAccess, storageBuffer8BitAccess
    ProfileFigure<bool> integer_dot_product;               // shaderIntegerDotProduct
    ProfileFigure<bool> cooperative_matrix;                // VK_KHR_cooperative_matrix
    ProfileFigure<uint64_t> device_memory;                 // every device-local heap is capped to this
    ProfileFigure<bool> unified_memory;
};

const std::vector<DeviceProfile>& device_profiles();
// "adreno-740, mali-g710, ...": for messages and help text.
std::string device_profile_names();
// The profile called `name`; InputError listing the valid names otherwise.
const DeviceProfile& find_device_profile(const std::string& name);

// Lowers `caps` to `profile`, recording what changed (caps.profile_changes)
// and what the profile has that the device lacks (caps.profile_notes).
void apply_profile(DeviceCaps& caps, const DeviceProfile& profile);
// The same by name; an empty name applies nothing.
void apply_profile(DeviceCaps& caps, const std::string& name);

}  // namespace vkllm::vk
