#pragma once
// Gated feed-forward activation over float32 buffers: out[i] = act(gate[i]) * up[i].
// SiLU gives SwiGLU, GELU / GELUTanh give GEGLU, ReLU gives ReGLU.
#include <cstdint>

#include "ops/eltwise.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// `op` must be an activation (SiLU, GELU, GELUTanh, ReLU); Add and Mul throw Error.
void record_gated(vk::Device& device, vk::CommandBuffer& commands, Eltwise op, const vk::Buffer& gate,
                  const vk::Buffer& up, const vk::Buffer& out, uint32_t n);

}  // namespace vkllm::ops
