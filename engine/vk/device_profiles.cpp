#include "vk/device_profiles.h"

#include <algorithm>

#include "vkllm/error.h"

namespace vkllm::vk {

namespace {

// Where the figures were read. Driver sources are the code that fills in
// VkPhysicalDeviceLimits and the feature structs for that hardware, so they
// are the published report of what the driver tells an application; paths
// are in the Mesa (gitlab.freedesktop.org/mesa/mesa) and MoltenVK
// (github.com/KhronosGroup/MoltenVK) trees.
constexpr const char* kConservative = "[conservative, not from a report]";

// Adreno 7xx, Mesa turnip.
constexpr const char* kTurnipSubgroup =
    "Mesa src/freedreno/vulkan/tu_device.cc: subgroupSize = threadsize_base * 2 where supports_double_threadsize, "
    "minSubgroupSize = threadsize_base, maxSubgroupSize = threadsize_base * 2; threadsize_base = 64 "
    "(src/freedreno/common/freedreno_devices.py)";
constexpr const char* kTurnipSubgroupOps =
    "Mesa tu_device.cc: subgroupSupportedOperations include VK_SUBGROUP_FEATURE_ARITHMETIC_BIT; "
    "subgroupSizeControl = computeFullSubgroups = true";
constexpr const char* kTurnipShared =
    "Mesa freedreno_devices.py, every A7XX entry: cs_shared_mem_size = 32 * 1024 (tu_device.cc: "
    "maxComputeSharedMemorySize = info->cs_shared_mem_size)";
constexpr const char* kTurnipRange =
    "Mesa src/freedreno/vulkan/tu_common.h: MAX_STORAGE_BUFFER_RANGE (1u << 27), \"match the latest Qualcomm "
    "driver which is also a hw limit on later gens\"";
constexpr const char* kTurnipInvocations =
    "Mesa tu_device.cc: maxComputeWorkGroupInvocations = threadsize_base * 2 * max_waves = 64 * 2 * 16 "
    "(freedreno_devices.py defaults)";
constexpr const char* kTurnipWorkgroup = "Mesa tu_device.cc: maxComputeWorkGroupSize = {1024, 1024, 1024}";
constexpr const char* kTurnipFeatures =
    "Mesa tu_device.cc tu_get_features: shaderFloat16 = shaderInt8 = true, storageBuffer16BitAccess = "
    "a6xx.storage_16bit, storageBuffer8BitAccess = a7xx.storage_8bit, shaderIntegerDotProduct = true";
constexpr const char* kTurnipIntegrated =
    "Mesa tu_device.cc: deviceType = VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU (the GPU uses system memory)";

// Mali-G7xx, Valhall.
constexpr const char* kValhallWarp =
    "Arm, \"The Valhall shader core\" (developer.arm.com learn-the-basics guide): Valhall uses 16-wide warps";
constexpr const char* kValhallTypes =
    "Arm Valhall shader core guide: native support for int8, int16 and fp16 data types";
constexpr const char* kMaliSystemMemory =
    "MediaTek IoT Yocto GPU guide (Mali on Genio): the GPU uses system memory directly";

// Intel Xe (Xe-LP, Gen12), Mesa ANV.
constexpr const char* kAnvSubgroupSizes =
    "Mesa src/intel/vulkan/anv_physical_device.c get_properties_1_3: minSubgroupSize = 8 (ver < 20), "
    "maxSubgroupSize = 32; requiredSubgroupSizeStages includes compute";
constexpr const char* kAnvShared = "Mesa anv_physical_device.c: maxComputeSharedMemorySize = 64 * 1024";
constexpr const char* kAnvRange =
    "Mesa anv_physical_device.c: maxStorageBufferRange = MIN3(isl max_buffer_size, max heap size, UINT32_MAX); "
    "src/intel/isl/isl.c: max_buffer_size = 1ull << 32 on gfx9+";
constexpr const char* kAnvWorkgroup =
    "Mesa anv_physical_device.c: max_workgroup_size = MIN2(1024, 32 * max_cs_workgroup_threads) for "
    "maxComputeWorkGroupInvocations and each maxComputeWorkGroupSize";
constexpr const char* kAnvFeatures =
    "Mesa anv_physical_device.c get_features: shaderFloat16 = shaderInt8 = storageBuffer16BitAccess = !no_16bit, "
    "storageBuffer8BitAccess = true, shaderIntegerDotProduct = true, subgroupSizeControl = true";
constexpr const char* kAnvIntegrated =
    "Mesa anv_physical_device.c: deviceType is INTEGRATED_GPU when the GPU has no local memory";

// AMD Radeon 780M (RDNA3, GFX11 / gfx1103), Mesa RADV.
constexpr const char* kRadvSubgroup =
    "Mesa src/amd/vulkan/radv_physical_device.c: subgroupSize = RADV_SUBGROUP_SIZE (64); GFX10+: "
    "minSubgroupSize = 32, maxSubgroupSize = 64, requiredSubgroupSizeStages = compute";
constexpr const char* kRadvSubgroupOps =
    "Mesa radv_physical_device.c: subgroupSupportedOperations include VK_SUBGROUP_FEATURE_ARITHMETIC_BIT";
constexpr const char* kRadvShared =
    "Mesa radv_physical_device.c: max_shared_size = gfx_level >= GFX7 ? 65536 : 32768";
constexpr const char* kRadvRange = "Mesa radv_physical_device.c: maxStorageBufferRange = UINT32_MAX";
constexpr const char* kRadvWorkgroup =
    "Mesa radv_physical_device.c: maxComputeWorkGroupInvocations = 1024, maxComputeWorkGroupSize = {1024, 1024, "
    "1024}";
constexpr const char* kRadvFeatures =
    "Mesa radv_physical_device.c features: shaderFloat16 = has_packed_math_16bit (GFX9+), shaderInt8 = "
    "storageBuffer16BitAccess = storageBuffer8BitAccess = shaderIntegerDotProduct = true";
constexpr const char* kRadvCoopmat =
    "Mesa radv_physical_device.c: cooperativeMatrix = gfx_level >= GFX11 && !use_llvm";
constexpr const char* kRadvCarveOut =
    "glxinfo of a Radeon 780M (pastebin.com/F7hwanCX): \"Dedicated video memory: 8192 MB\" (the carve-out is a "
    "firmware setting; 8 GiB is the largest it offered there)";

// Apple M-series through MoltenVK.
constexpr const char* kMoltenVkCompute =
    "MoltenVK MoltenVK/GPUObjects/MVKDevice.mm (macOS): maxComputeSharedMemorySize = 32 * KIBI, "
    "maxComputeWorkGroupInvocations = 1 * KIBI";
constexpr const char* kMoltenVkStorage =
    "MoltenVK 1.1.5 on an M1 lists VK_KHR_16bit_storage and VK_KHR_8bit_storage (gist.github.com/woachk/"
    "d51856c8a8dd49d103de86cd75ca4b5e)";
constexpr const char* kMoltenVkDot = "MoltenVK v1.2.8 release notes: adds VK_KHR_shader_integer_dot_product";
constexpr const char* kMoltenVkUnified =
    "MoltenVK change \"macOS Apple Silicon GPUs support using Shared memory\" (MVKPhysicalDevice _hasUnifiedMemory)";

constexpr uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;

const std::vector<DeviceProfile> kProfiles = {
    {
        .name = "adreno-740",
        .description = "Qualcomm Adreno 7xx (Snapdragon 8 Gen 2 class), as Mesa turnip reports it",
        .subgroup_size = {128, kTurnipSubgroup},
        .subgroup_min_size = {64, kTurnipSubgroup},
        .subgroup_max_size = {128, kTurnipSubgroup},
        .subgroup_size_control = {true, kTurnipSubgroupOps},
        .subgroup_arithmetic = {true, kTurnipSubgroupOps},
        .max_shared_memory = {32 * KiB, kTurnipShared},
        .max_storage_buffer_range = {128 * MiB, kTurnipRange},
        .max_workgroup_invocations = {2048, kTurnipInvocations},
        .max_workgroup_size = {1024, kTurnipWorkgroup},
        .shader_float16 = {true, kTurnipFeatures},
        .shader_int8 = {true, kTurnipFeatures},
        .storage_16bit = {true, kTurnipFeatures},
        .storage_8bit = {true, kTurnipFeatures},
        .integer_dot_product = {true, kTurnipFeatures},
        .cooperative_matrix = {false, kConservative},
        .device_memory = {4 * GiB, kConservative},
        .unified_memory = {true, kTurnipIntegrated},
    },
    {
        .name = "mali-g710",
        .description = "Arm Mali-G7xx, Valhall (Mali-G710 class), Arm's driver",
        .subgroup_size = {16, kValhallWarp},
        .subgroup_min_size = {16, kValhallWarp},
        .subgroup_max_size = {16, kValhallWarp},
        .subgroup_size_control = {false, kConservative},
        .subgroup_arithmetic = {false, kConservative},
        .max_shared_memory = {32 * KiB, kConservative},
        .max_storage_buffer_range = {128 * MiB, kConservative},
        .max_workgroup_invocations = {512, kConservative},
        .max_workgroup_size = {512, kConservative},
        .shader_float16 = {true, kValhallTypes},
        .shader_int8 = {true, kValhallTypes},
        .storage_16bit = {false, kConservative},
        .storage_8bit = {false, kConservative},
        .integer_dot_product = {false, kConservative},
        .cooperative_matrix = {false, kConservative},
        .device_memory = {4 * GiB, kConservative},
        .unified_memory = {true, kMaliSystemMemory},
    },
    {
        .name = "intel-xe",
        .description = "Intel Xe integrated graphics (Iris Xe, Xe-LP / Gen12), Mesa ANV",
        .subgroup_size = {32, kAnvSubgroupSizes},
        .subgroup_min_size = {8, kAnvSubgroupSizes},
        .subgroup_max_size = {32, kAnvSubgroupSizes},
        .subgroup_size_control = {true, kAnvFeatures},
        .subgroup_arithmetic = {},
        .max_shared_memory = {64 * KiB, kAnvShared},
        .max_storage_buffer_range = {4 * GiB - 1, kAnvRange},
        .max_workgroup_invocations = {1024, kAnvWorkgroup},
        .max_workgroup_size = {1024, kAnvWorkgroup},
        .shader_float16 = {true, kAnvFeatures},
        .shader_int8 = {true, kAnvFeatures},
        .storage_16bit = {true, kAnvFeatures},
        .storage_8bit = {true, kAnvFeatures},
        .integer_dot_product = {true, kAnvFeatures},
        // anv_has_cooperative_matrix needs the XMX units of Xe-HPG and newer; Xe-LP has none.
        .cooperative_matrix = {false, kConservative},
        .device_memory = {4 * GiB, kConservative},
        .unified_memory = {true, kAnvIntegrated},
    },
    {
        .name = "radeon-780m",
        .description = "AMD Radeon 780M (RDNA3 integrated, gfx1103), Mesa RADV",
        .subgroup_size = {64, kRadvSubgroup},
        .subgroup_min_size = {32, kRadvSubgroup},
        .subgroup_max_size = {64, kRadvSubgroup},
        .subgroup_size_control = {true, kRadvSubgroup},
        .subgroup_arithmetic = {true, kRadvSubgroupOps},
        .max_shared_memory = {64 * KiB, kRadvShared},
        .max_storage_buffer_range = {4 * GiB - 1, kRadvRange},
        .max_workgroup_invocations = {1024, kRadvWorkgroup},
        .max_workgroup_size = {1024, kRadvWorkgroup},
        .shader_float16 = {true, kRadvFeatures},
        .shader_int8 = {true, kRadvFeatures},
        .storage_16bit = {true, kRadvFeatures},
        .storage_8bit = {true, kRadvFeatures},
        .integer_dot_product = {true, kRadvFeatures},
        .cooperative_matrix = {true, kRadvCoopmat},
        .device_memory = {8 * GiB, kRadvCarveOut},
        .unified_memory = {},
    },
    {
        .name = "apple-m1",
        .description = "Apple M-series GPUs (M1 class) through MoltenVK",
        .subgroup_size = {32, kConservative},
        .subgroup_min_size = {32, kConservative},
        .subgroup_max_size = {32, kConservative},
        .subgroup_size_control = {false, kConservative},
        .subgroup_arithmetic = {false, kConservative},
        .max_shared_memory = {32 * KiB, kMoltenVkCompute},
        .max_storage_buffer_range = {1 * GiB, kConservative},
        .max_workgroup_invocations = {1024, kMoltenVkCompute},
        .max_workgroup_size = {1024, kConservative},
        .shader_float16 = {false, kConservative},
        .shader_int8 = {false, kConservative},
        .storage_16bit = {true, kMoltenVkStorage},
        .storage_8bit = {true, kMoltenVkStorage},
        .integer_dot_product = {true, kMoltenVkDot},
        .cooperative_matrix = {false, kConservative},
        .device_memory = {4 * GiB, kConservative},
        .unified_memory = {true, kMoltenVkUnified},
    },
};

// Writes what a profile changed and what it could not claim.
struct Record {
    DeviceCaps& caps;
    void change(const std::string& what) { caps.profile_changes.push_back(what); }
    void note(const std::string& what) { caps.profile_notes.push_back(what); }
};

void lower_feature(Record& r, bool& field, const ProfileFigure<bool>& figure, const char* label) {
    if (!figure.set()) return;
    if (!figure.value && field) {
        field = false;
        r.change(std::string(label) + " off");
    } else if (figure.value && !field) {
        r.note(std::string(label) + ": the profile has it, this device does not (left off)");
    }
}

template <class T>
void lower_size(Record& r, T& field, const ProfileFigure<T>& figure, const std::string& label, bool bytes) {
    if (!figure.set()) return;
    auto text = [&](uint64_t v) { return bytes ? format_bytes(v) : std::to_string(v); };
    if (figure.value < field) {
        r.change(label + " " + text(field) + " -> " + text(figure.value));
        field = figure.value;
    } else if (figure.value > field) {
        r.note(label + ": the profile allows " + text(figure.value) + ", this device has " +
               text(field) + " (kept)");
    }
}

std::string range_text(uint32_t lo, uint32_t hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
}

// The subgroup size is a fact of the hardware: a profile can narrow the
// sizes a pipeline may require, or forbid requiring one, but a device that
// cannot run the profile's size keeps its own (and says so).
void apply_subgroups(Record& r, DeviceCaps& c, const DeviceProfile& p) {
    const ProfileFigure<bool>& control = p.subgroup_size_control;
    if (control.set() && !control.value && c.subgroup_size_control) {
        c.subgroup_size_control = false;
        c.subgroup_min_size = c.subgroup_max_size = c.subgroup_size;
        r.change("subgroup size control off");
    } else if (control.set() && control.value && !c.subgroup_size_control) {
        r.note("subgroup size control: the profile has it, this device does not (left off)");
    }
    if (!p.subgroup_size.set()) return;
    const uint32_t want = p.subgroup_size.value;
    const uint32_t want_lo = p.subgroup_min_size.set() ? p.subgroup_min_size.value : want;
    const uint32_t want_hi = p.subgroup_max_size.set() ? p.subgroup_max_size.value : want;
    if (!c.subgroup_size_control) {
        if (c.subgroup_size != want)
            r.note("subgroup size: the profile runs " + std::to_string(want) + ", this device runs " +
                   std::to_string(c.subgroup_size) + " and cannot be told otherwise (kept)");
        return;
    }
    const uint32_t lo = std::max(c.subgroup_min_size, want_lo), hi = std::min(c.subgroup_max_size, want_hi);
    if (lo > hi) {
        r.note("subgroup size: the profile's " + range_text(want_lo, want_hi) + " and this device's " +
               range_text(c.subgroup_min_size, c.subgroup_max_size) + " do not meet (kept the device's)");
        return;
    }
    const uint32_t size = std::clamp(want, lo, hi);
    if (lo != c.subgroup_min_size || hi != c.subgroup_max_size)
        r.change("subgroup sizes " + range_text(c.subgroup_min_size, c.subgroup_max_size) + " -> " +
                 range_text(lo, hi));
    if (size != c.subgroup_size)
        r.change("subgroup size " + std::to_string(c.subgroup_size) + " -> " + std::to_string(size));
    if (size != want)
        r.note("subgroup size: the profile runs " + std::to_string(want) + ", this device can run " +
               range_text(lo, hi) + " of its sizes (using " + std::to_string(size) + ")");
    c.subgroup_min_size = lo;
    c.subgroup_max_size = hi;
    c.subgroup_size = size;
}

void apply_memory(Record& r, DeviceCaps& c, const DeviceProfile& p) {
    if (p.device_memory.set()) {
        const uint64_t cap = p.device_memory.value;
        for (size_t h = 0; h < c.heaps.size(); ++h) {
            if (!c.heaps[h].device_local || c.heaps[h].size <= cap) continue;
            r.change("device-local heap " + std::to_string(h) + " " + format_bytes(c.heaps[h].size) + " -> " +
                     format_bytes(cap));
            c.heaps[h].size = cap;
        }
        // No one allocation can be larger than the heap it comes from.
        if (c.max_memory_allocation_size > cap) c.max_memory_allocation_size = cap;
    }
    lower_feature(r, c.unified_memory, p.unified_memory, "unified memory");
}

}  // namespace

const std::vector<DeviceProfile>& device_profiles() { return kProfiles; }

std::string device_profile_names() {
    std::string names;
    for (const DeviceProfile& p : kProfiles) names += (names.empty() ? "" : ", ") + std::string(p.name);
    return names;
}

const DeviceProfile& find_device_profile(const std::string& name) {
    for (const DeviceProfile& p : kProfiles)
        if (name == p.name) return p;
    throw InputError("unknown device profile '" + name + "' (known: " + device_profile_names() + ")");
}

void apply_profile(DeviceCaps& c, const DeviceProfile& p) {
    Record r{c};
    c.profile = p.name;
    apply_subgroups(r, c, p);
    lower_feature(r, c.subgroup_arithmetic, p.subgroup_arithmetic, "subgroup arithmetic");
    lower_size(r, c.max_shared_memory, p.max_shared_memory, "shared memory", true);
    lower_size(r, c.max_storage_buffer_range, p.max_storage_buffer_range, "maxStorageBufferRange", true);
    lower_size(r, c.max_workgroup_invocations, p.max_workgroup_invocations, "workgroup invocations", false);
    for (int i = 0; i < 3; ++i)
        lower_size(r, c.max_workgroup_size[i], p.max_workgroup_size, "workgroup size " + std::string(1, "xyz"[i]),
                   false);
    lower_feature(r, c.shader_float16, p.shader_float16, "fp16 arithmetic");
    lower_feature(r, c.shader_int8, p.shader_int8, "int8 arithmetic");
    lower_feature(r, c.storage_16bit, p.storage_16bit, "16-bit storage");
    lower_feature(r, c.storage_8bit, p.storage_8bit, "8-bit storage");
    lower_feature(r, c.integer_dot_product, p.integer_dot_product, "integer dot product");
    if (!c.integer_dot_product) c.integer_dot_product_4x8_accelerated = c.integer_dot_product_mixed_4x8_accelerated = false;
    lower_feature(r, c.cooperative_matrix, p.cooperative_matrix, "cooperative matrix");
    if (!c.cooperative_matrix) c.drop_cooperative_matrix();
    c.cooperative_matrix2 = {};  // NVIDIA's extension: none of the profiled devices has it
    apply_memory(r, c, p);
}

void apply_profile(DeviceCaps& caps, const std::string& name) {
    if (!name.empty()) apply_profile(caps, find_device_profile(name));
}

}  // namespace vkllm::vk
