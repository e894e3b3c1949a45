#version 450
#extension GL_GOOGLE_include_directive : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] for a few vectors b (decode). One
// workgroup per output row and vector: invocations stride over K (coalesced
// reads of the weight row), then a workgroup reduction.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;  // row stride of y
    uint n0;   // first output column of this dispatch
} p;

void main() {
    const uint row = gl_WorkGroupID.x;
    const uint b = gl_WorkGroupID.y;
    float sum = 0.0;
    if (row < p.N)
        for (uint k = gl_LocalInvocationIndex; k < p.K; k += WG) sum = fma(x[b * p.K + k], load_weight(row * p.K + k), sum);
    sum = workgroup_sum(sum);
    if (row < p.N && gl_LocalInvocationIndex == 0) y[b * p.ldy + p.n0 + row] = sum;
}
