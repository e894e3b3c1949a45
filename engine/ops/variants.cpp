#include "ops/variants.h"

#include <algorithm>

#include "vkllm/error.h"

namespace vkllm::ops {

uint64_t weight_row_bytes(DType t, uint64_t cols) {
    const DTypeTraits& traits = dtype_traits(t);
    return cols / traits.block_values * traits.block_bytes;
}

std::string weight_variant(const vk::DeviceCaps& caps, DType t) {
    if (t == DType::BF16) throw Error("no kernel reads bf16 weights (upload them as f32 or f16)");
    if (!caps.half_conversion && (t == DType::F16 || dtype_is_block(t)))
        throw DeviceError(std::string("no kernel reads ") + dtype_traits(t).name + " weights on " + caps.name +
                          ": its shaders cannot convert half-precision values (a driver quirk, see `vkllm "
                          "devices`); the model loader converts them to f32");
    if (t == DType::F16) return caps.storage_16bit ? "f16" : "f16packed";
    return dtype_traits(t).name;
}

std::string reduction_variant(const vk::DeviceCaps& caps) { return caps.subgroup_arithmetic ? "_sg" : ""; }

uint32_t reduction_workgroup(const vk::DeviceCaps& caps, uint32_t wanted) {
    uint32_t limit = std::min(caps.max_workgroup_invocations, caps.max_workgroup_size[0]);
    uint32_t wg = 1;
    while (wg * 2 <= std::min(wanted, limit)) wg *= 2;
    return wg;
}

bool has_f16_coopmat(const vk::DeviceCaps& caps, uint32_t edge) {
    if (!caps.cooperative_matrix || !caps.storage_16bit) return false;
    for (const auto& s : caps.cooperative_matrix_shapes)
        if (s.m == edge && s.n == edge && s.k == edge && s.a_type == "f16" && s.b_type == "f16" && s.c_type == "f32" &&
            s.result_type == "f32")
            return true;
    return false;
}

}  // namespace vkllm::ops
