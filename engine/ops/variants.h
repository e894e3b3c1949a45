#pragma once
// Shader-variant choice from device capabilities (never from vendor names).
#include <cstdint>
#include <string>

#include "vk/device_caps.h"

namespace vkllm::ops {

// How a weight-like operand is stored in its buffer. Q8_0 is the GGUF block
// format: per 32 consecutive values of a row one f16 scale and 32 int8 (34 bytes).
enum class StorageType { F32, F16, Q8_0 };

// Bytes per element of the element-wise types (F32, F16); 0 for block formats,
// whose sizes come from storage_row_bytes().
uint32_t storage_bytes(StorageType t);
// Values per storage block: 32 for Q8_0, 1 otherwise.
uint32_t storage_block_elements(StorageType t);
// Bytes of one row of `cols` values (cols a multiple of the block size).
uint64_t storage_row_bytes(StorageType t, uint64_t cols);
// "f32", "f16" (16-bit storage), "f16packed" (halves read through uints) or
// "q8_0" (blocks read through uints with byte extraction, on every device).
std::string storage_variant(const vk::DeviceCaps& caps, StorageType t);
// "_sg" where subgroup arithmetic is there for compute, else "" (shared-memory tree).
std::string reduction_variant(const vk::DeviceCaps& caps);
// Workgroup size for one-row-per-workgroup reductions: a power of two the device allows.
uint32_t reduction_workgroup(const vk::DeviceCaps& caps, uint32_t wanted = 128);

}  // namespace vkllm::ops
