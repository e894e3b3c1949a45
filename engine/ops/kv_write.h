#pragma once
// Writes new tokens' keys and values into a layer's paged KV pools.
#include <cstdint>

#include "common/weight_types.h"
#include "ops/rope.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// k, v: float32 [tokens, row] (row = kv_heads * head_dim, e.g. straight from
// the K/V projections after RoPE); slots: int32 [tokens], a negative slot
// skips that token. k_pool / v_pool: the layer's pools in `pool_type`
// (kv/kv_type.h), each bound whole: [slots, row] in f16 (needs 16-bit
// storage) or f32; for a block format (q8_0, q4_0) one buffer (pass it as
// both) whose slots hold the K row's blocks then the V row's, each block
// encoded from its 32 values as the CPU encoder of the weight-type table does.
// With `rope`, the keys are rotated on their way into the pool (as
// record_rope would rotate k first), reading its positions [tokens] and
// inverse frequencies; k itself is left as it is.
struct KvRope {
    RopeSpec spec;
    const vk::Buffer* positions = nullptr;
    const vk::Buffer* inv_freq = nullptr;
};
void record_kv_write(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& k, const vk::Buffer& v,
                     const vk::Buffer& slots, const vk::Buffer& k_pool, const vk::Buffer& v_pool, uint32_t tokens,
                     uint32_t row, DType pool_type, const KvRope* rope = nullptr);

}  // namespace vkllm::ops
