#pragma once
// Rotary position embedding on the GPU, in place on f32 [tokens, heads, head_dim].
// Inverse frequencies (with any scaling method) are computed on the CPU (see
// model/rope_frequencies.h, rope_inverse_frequencies) and uploaded as f32.
#include <cstdint>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

enum class RopeStyle {
    NeoX,  // rotate-half: pairs (i, i + rotary_dims / 2)
    GPTJ,  // interleaved: pairs (2i, 2i + 1)
};

struct RopeSpec {
    uint32_t head_dim = 0;
    uint32_t rotary_dims = 0;  // even, <= head_dim; the first rotary_dims of each head rotate
    RopeStyle style = RopeStyle::NeoX;
    float attention_factor = 1.0f;  // multiplies cos and sin (YaRN), 1 otherwise
};

// `positions`: int32 [n_tokens]; `inv_freq`: f32 [rotary_dims / 2].
void record_rope(vk::Device& device, vk::CommandBuffer& commands, const RopeSpec& spec, const vk::Buffer& x,
                 const vk::Buffer& positions, const vk::Buffer& inv_freq, uint32_t n_tokens, uint32_t heads);

}  // namespace vkllm::ops
