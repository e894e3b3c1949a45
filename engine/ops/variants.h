#pragma once
// Shader-variant choice from device capabilities (never from vendor names).
#include <cstdint>
#include <string>

#include "vk/device_caps.h"

namespace vkllm::ops {

// How a weight-like operand is stored in its buffer.
enum class StorageType { F32, F16 };

uint32_t storage_bytes(StorageType t);
// "f32", "f16" (16-bit storage) or "f16packed" (halves read through uints).
std::string storage_variant(const vk::DeviceCaps& caps, StorageType t);
// "_sg" where subgroup arithmetic is there for compute, else "" (shared-memory tree).
std::string reduction_variant(const vk::DeviceCaps& caps);
// Workgroup size for one-row-per-workgroup reductions: a power of two the device allows.
uint32_t reduction_workgroup(const vk::DeviceCaps& caps, uint32_t wanted = 128);

}  // namespace vkllm::ops
