#pragma once
// Shader-variant choice from device capabilities (never from vendor names).
#include <cstdint>
#include <string>

#include "common/weight_types.h"
#include "vk/device_caps.h"

namespace vkllm::ops {

// Weight element types are the weight-type table's (common/weight_types.h).
// Bytes of one row of `cols` values (cols a multiple of the type's block).
uint64_t weight_row_bytes(DType t, uint64_t cols);
// Shader variant of a weight type: the table's name ("f32", "q4_k", ...),
// except that f16 is "f16" where 16-bit storage is there and "f16packed"
// (halves read through uints) elsewhere. Block formats are read through uints
// on every device. Throws Error for bf16, which no kernel reads (the uploader
// widens it to f32).
std::string weight_variant(const vk::DeviceCaps& caps, DType t);
// "_sg" where subgroup arithmetic is there for compute, else "" (shared-memory tree).
std::string reduction_variant(const vk::DeviceCaps& caps);
// Workgroup size for one-row-per-workgroup reductions: a power of two the device allows.
uint32_t reduction_workgroup(const vk::DeviceCaps& caps, uint32_t wanted = 128);

// The device multiplies square f16 fragments of this edge into f32 on
// cooperative-matrix units (VK_KHR_cooperative_matrix): 16 on GPUs with
// matrix cores, 8 on Mesa's CPU device.
bool has_f16_coopmat(const vk::DeviceCaps& caps, uint32_t edge);

}  // namespace vkllm::ops
