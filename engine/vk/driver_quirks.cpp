#include "vk/driver_quirks.h"

#include <algorithm>

namespace vkllm::vk {

namespace {

void no_cooperative_matrix(DeviceCaps& c) { c.drop_cooperative_matrix(); }

// The Adreno 7xx hardware limit Mesa turnip keeps to (see below).
void adreno_buffer_range(DeviceCaps& c) {
    c.max_storage_buffer_range = std::min<uint64_t>(c.max_storage_buffer_range, 1u << 27);
}

// AMD GPUs with matrix cores (RDNA3 and newer) accelerate mixed-signedness
// 4x8 integer dot products; older ones do not. llama.cpp tells RDNA3 apart
// the same way (ggml-vulkan.cpp, get_device_architecture).
bool amd_without_matrix_cores(const DeviceCaps& c) { return !c.integer_dot_product_mixed_4x8_accelerated; }

// llvmpipe compiles shaders for the CPU the engine runs on.
#if defined(__aarch64__)
constexpr bool kHostIsArm64 = true;
#else
constexpr bool kHostIsArm64 = false;
#endif

void no_half_conversion(DeviceCaps& c) {
    c.half_conversion = false;
    c.storage_16bit = false;
    c.shader_float16 = false;
}

}  // namespace

uint32_t llvmpipe_llvm_major(const std::string& device_name) {
    // llvmpipe names itself "llvmpipe (LLVM 15.0.6, 128 bits)".
    const auto at = device_name.find("LLVM ");
    if (at == std::string::npos) return 0;
    uint32_t major = 0;
    for (size_t i = at + 5; i < device_name.size() && device_name[i] >= '0' && device_name[i] <= '9'; ++i)
        major = major * 10 + uint32_t(device_name[i] - '0');
    return major;
}

bool llvmpipe_arm64_half_conversion_bug(const DeviceCaps& c, bool host_is_arm64) {
    const uint32_t llvm = llvmpipe_llvm_major(c.name);
    return host_is_arm64 && llvm > 0 && llvm <= 15;
}

namespace {

bool llvmpipe_half_conversion_broken_here(const DeviceCaps& c) {
    return llvmpipe_arm64_half_conversion_bug(c, kHostIsArm64);
}

const std::vector<DriverQuirk> kQuirks = {
    {
        .name = "amd-coopmat-without-matrix-cores",
        .drivers = {VK_DRIVER_ID_AMD_PROPRIETARY, VK_DRIVER_ID_AMD_OPEN_SOURCE},
        .device_matches = amd_without_matrix_cores,
        .bug = "AMD's own drivers (Windows driver and AMDVLK) report VK_KHR_cooperative_matrix on every GPU, also "
               "on those without matrix cores, where the cooperative-matrix path is slow or wrong. llama.cpp "
               "(ggml/src/ggml-vulkan/ggml-vulkan.cpp, ggml_vk_khr_cooperative_matrix_support): \"Workaround for "
               "AMD proprietary driver reporting support on all GPUs\", cooperative matrix on RDNA3 only",
        .workaround = "cooperative matrix off: matrix products take the subgroup / scalar shaders",
        .apply = no_cooperative_matrix,
    },
    {
        .name = "qualcomm-storage-buffer-range",
        .drivers = {VK_DRIVER_ID_QUALCOMM_PROPRIETARY},
        .bug = "Older Qualcomm drivers report maxStorageBufferRange 0x20000058 (512 MiB and 88 bytes) while the "
               "Adreno 7xx hardware limit is 128 MiB; Mesa turnip (src/freedreno/vulkan/tu_common.h) moved from "
               "the first figure to (1u << 27), \"match the latest Qualcomm driver which is also a hw limit on "
               "later gens\"",
        .workaround = "maxStorageBufferRange at most 128 MiB: larger tensors are bound in chunks",
        .apply = adreno_buffer_range,
    },
    {
        .name = "llvmpipe-arm64-half-conversion",
        .drivers = {VK_DRIVER_ID_MESA_LLVMPIPE},
        .device_matches = llvmpipe_half_conversion_broken_here,
        .bug = "Mesa llvmpipe on 64-bit Arm with LLVM 15 (Debian 12's Mesa 22.3.6, seen under qemu-aarch64) aborts "
               "the process while compiling any shader that converts f16 to f32: \"LLVM ERROR: Cannot select\" on "
               "v4f32 fp_extend of a 16-bit load, and on the shifts of unpackHalf2x16. Newer LLVM not checked",
        .workaround = "no half-precision conversion: f16 and block-format weights are converted to f32 at load, "
                      "the KV cache is f32",
        .apply = no_half_conversion,
    },
};

}  // namespace

const std::vector<DriverQuirk>& driver_quirks() { return kQuirks; }

bool quirk_matches(const DriverQuirk& q, const DeviceCaps& c) {
    if (std::find(q.drivers.begin(), q.drivers.end(), c.driver_id) == q.drivers.end()) return false;
    if (c.driver_version < q.min_version || c.driver_version > q.max_version) return false;
    return !q.device_matches || q.device_matches(c);
}

std::vector<const DriverQuirk*> matching_quirks(const DeviceCaps& caps, const std::vector<DriverQuirk>& table) {
    std::vector<const DriverQuirk*> out;
    for (const DriverQuirk& q : table)
        if (quirk_matches(q, caps)) out.push_back(&q);
    return out;
}

void apply_driver_quirks(DeviceCaps& caps, const std::vector<DriverQuirk>& table) {
    for (const DriverQuirk* q : matching_quirks(caps, table)) {
        if (q->apply) q->apply(caps);
        caps.quirks.push_back(q->name);
    }
}

}  // namespace vkllm::vk
