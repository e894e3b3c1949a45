// What differs between the layers of one model: which attend through the
// sliding window and which RoPE settings each rotates with. The reference, the
// GPU planner and the KV cache ask here, so the rule lives in one place.
#include "model/config.h"

namespace vkllm {

bool layer_uses_window(const ModelConfig& c, uint32_t layer) {
    if (c.attention.sliding_window == 0) return false;
    const uint32_t pattern = c.attention.sliding_window_pattern;
    return pattern == 0 || (layer + 1) % pattern != 0;
}

uint32_t layer_window(const ModelConfig& c, uint32_t layer) {
    return layer_uses_window(c, layer) ? c.attention.sliding_window : 0;
}

bool all_layers_use_window(const ModelConfig& c) {
    for (uint32_t layer = 0; layer < c.num_layers; ++layer)
        if (!layer_uses_window(c, layer)) return false;
    return c.num_layers > 0;
}

bool layer_uses_local_rope(const ModelConfig& c, uint32_t layer) {
    return c.rope.local_theta > 0 && layer_uses_window(c, layer);
}

RopeConfig local_rope(const ModelConfig& c) {
    RopeConfig local;
    local.theta = c.rope.local_theta;
    local.partial_rotary_fraction = c.rope.partial_rotary_fraction;
    local.style = c.rope.style;
    return local;
}

RopeConfig layer_rope(const ModelConfig& c, uint32_t layer) {
    return layer_uses_local_rope(c, layer) ? local_rope(c) : c.rope;
}

}  // namespace vkllm
