#version 450
#extension GL_GOOGLE_include_directive : require
// Second pass of split-key (flash-decoding) attention: merges the splits'
// unnormalised accumulators and (max, sum) pairs of one (query, head) into the
// softmax-weighted output. One workgroup per (head, query).
// Every invocation reads the (max, sum) pairs of its own splits, so those
// loads are in flight together rather than one after another; the splits'
// weights exp(max - global max) go to shared memory a workgroup-sized chunk at
// a time, and the output dimensions sum only the splits that hold keys (a
// split count fixed for the longest context leaves most of them empty at a
// short one).
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint HEADS = 1;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Params { uint splits; uint ml_offset; } p;

const float NO_SCORE = -3.402823466e38;
const uint DIMS_PER_INVOCATION = (HEAD_DIM + WG - 1) / WG;

shared float weight_shared[WG];  // one chunk of splits: exp(max - global max), 0 for an empty split

float split_max(uint split) { return partials[p.ml_offset + 2 * split]; }
float split_sum(uint split) { return partials[p.ml_offset + 2 * split + 1]; }

void main() {
    const uint row = gl_WorkGroupID.y * HEADS + gl_WorkGroupID.x;
    const uint first = row * p.splits;
    const uint tid = gl_LocalInvocationIndex;

    float local_max = NO_SCORE;
    for (uint s = tid; s < p.splits; s += WG)
        if (split_sum(first + s) > 0.0) local_max = max(local_max, split_max(first + s));
    const float global_max = workgroup_max(local_max);
    float local_total = 0.0;
    for (uint s = tid; s < p.splits; s += WG) {
        const float sum = split_sum(first + s);
        if (sum > 0.0) local_total += sum * exp(split_max(first + s) - global_max);
    }
    const float total = workgroup_sum(local_total);
    const float inv = total > 0.0 ? 1.0 / total : 0.0;

    float value[DIMS_PER_INVOCATION];
    for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) value[i] = 0.0;
    for (uint chunk = 0; chunk < p.splits; chunk += WG) {
        barrier();  // the previous chunk's weights have been read
        const uint s = chunk + tid;
        float weight = 0.0;
        if (s < p.splits) {
            const float sum = split_sum(first + s);
            if (sum > 0.0) weight = exp(split_max(first + s) - global_max);
        }
        weight_shared[tid] = weight;
        barrier();
        const uint count = min(WG, p.splits - chunk);
        for (uint j = 0; j < count; ++j) {
            const float w = weight_shared[j];
            if (w == 0.0) continue;  // the same for every invocation: no divergence
            for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
                const uint d = tid + i * WG;
                if (d < HEAD_DIM) value[i] += w * partials[(first + chunk + j) * HEAD_DIM + d];
            }
        }
    }
    for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
        const uint d = tid + i * WG;
        if (d < HEAD_DIM) o[row * HEAD_DIM + d] = value[i] * inv;
    }
}
