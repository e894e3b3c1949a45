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
