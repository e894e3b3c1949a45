#include "ops/variants.h"

#include <algorithm>

namespace vkllm::ops {

uint32_t storage_bytes(StorageType t) {
    switch (t) {
        case StorageType::F32: return 4;
        case StorageType::F16: return 2;
        case StorageType::Q8_0: return 0;
    }
    return 0;
}

uint32_t storage_block_elements(StorageType t) { return t == StorageType::Q8_0 ? 32 : 1; }

uint64_t storage_row_bytes(StorageType t, uint64_t cols) {
    if (t == StorageType::Q8_0) return cols / 32 * 34;
    return cols * storage_bytes(t);
}

std::string storage_variant(const vk::DeviceCaps& caps, StorageType t) {
    if (t == StorageType::F32) return "f32";
    if (t == StorageType::Q8_0) return "q8_0";
    return caps.storage_16bit ? "f16" : "f16packed";
}

std::string reduction_variant(const vk::DeviceCaps& caps) { return caps.subgroup_arithmetic ? "_sg" : ""; }

uint32_t reduction_workgroup(const vk::DeviceCaps& caps, uint32_t wanted) {
    uint32_t limit = std::min(caps.max_workgroup_invocations, caps.max_workgroup_size[0]);
    uint32_t wg = 1;
    while (wg * 2 <= std::min(wanted, limit)) wg *= 2;
    return wg;
}

}  // namespace vkllm::ops
