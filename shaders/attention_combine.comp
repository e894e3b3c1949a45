#version 450
// Second pass of split-key (flash-decoding) attention: merges the splits'
// unnormalised accumulators and (max, sum) pairs of one (query, head) into the
// softmax-weighted output. One workgroup per (head, query).
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint HEADS = 1;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Params { uint splits; uint ml_offset; } p;

void main() {
    const uint row = gl_WorkGroupID.y * HEADS + gl_WorkGroupID.x;
    const uint first = row * p.splits;
    float global_max = -3.402823466e38;
    for (uint s = 0; s < p.splits; ++s)
        if (partials[p.ml_offset + 2 * (first + s) + 1] > 0.0)
            global_max = max(global_max, partials[p.ml_offset + 2 * (first + s)]);
    float total = 0.0;
    for (uint s = 0; s < p.splits; ++s) {
        const float sum = partials[p.ml_offset + 2 * (first + s) + 1];
        if (sum > 0.0) total += sum * exp(partials[p.ml_offset + 2 * (first + s)] - global_max);
    }
    const float inv = total > 0.0 ? 1.0 / total : 0.0;
    for (uint d = gl_LocalInvocationIndex; d < HEAD_DIM; d += WG) {
        float value = 0.0;
        for (uint s = 0; s < p.splits; ++s) {
            const float sum = partials[p.ml_offset + 2 * (first + s) + 1];
            if (sum > 0.0) value += partials[(first + s) * HEAD_DIM + d] * exp(partials[p.ml_offset + 2 * (first + s)] - global_max);
        }
        o[row * HEAD_DIM + d] = value * inv;
    }
}
