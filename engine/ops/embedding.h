#pragma once
// Token-embedding lookup: out[t, :] = scale * table[ids[t], :], for tables of
// any weight type but bf16 (f32, f16, every block format) and of any size (tables beyond the device's maxStorageBufferRange
// are bound in row chunks).
#include <cstdint>

#include "ops/linear.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// `ids`: int32 [n_tokens]; `table`: rows = vocabulary, cols = hidden;
// `out`: f32 [n_tokens, hidden]. An id outside [0, table.rows) reads nothing
// and gives a row of zeros (callers validate ids beforehand).
void record_embedding(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& ids,
                      const WeightMatrix& table, const vk::Buffer& out, uint32_t n_tokens, float scale = 1.0f);

}  // namespace vkllm::ops
