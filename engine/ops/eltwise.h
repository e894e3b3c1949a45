#pragma once
// Element-wise kernels over float32 buffers.
#include <cstdint>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

enum class Eltwise : uint32_t { Add = 0, Mul = 1, SiLU = 2, GELU = 3, GELUTanh = 4, ReLU = 5, SoftCap = 6 };

// c[i] = a[i] op b[i % b_len] for Add/Mul; c[i] = op(a[i]) for activations (b unused).
void record_eltwise(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& a,
                    const vk::Buffer& b, const vk::Buffer& c, uint32_t n, uint32_t b_len);
void record_activation(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& a,
                       const vk::Buffer& c, uint32_t n);
// c[i] = cap * tanh(a[i] / cap), cap > 0 (final logit soft-capping).
void record_soft_cap(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& a, const vk::Buffer& c,
                     uint32_t n, float cap);

}  // namespace vkllm::ops
