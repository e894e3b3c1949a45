#version 450
#extension GL_GOOGLE_include_directive : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] for a few vectors b (decode). One
// workgroup per output row and vector: invocations stride over K (coalesced
// reads of the weight row), four weights per load when K allows, then a
// workgroup reduction.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "weights4.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;  // row stride of y
    uint n0;   // first output column of this dispatch
} p;

#if defined(USE_SUBGROUP)
// One subgroup per output row, gl_NumSubgroups rows per workgroup: no shared
// memory and no barriers (the host fixes the subgroup size so it knows the
// row count per workgroup).
void main() {
    const uint row = gl_WorkGroupID.x * gl_NumSubgroups + gl_SubgroupID;
    const uint b = gl_WorkGroupID.y;
    if (row >= p.N) return;  // the whole subgroup shares the row, so it leaves together
    float sum = 0.0;
    if (p.K % 4 == 0) {
        const uint x0 = b * p.K / 4, w0 = row * p.K;
        for (uint k = gl_SubgroupInvocationID; k < p.K / 4; k += gl_SubgroupSize) sum += dot(x4[x0 + k], load_weight4(w0 + 4 * k));
    } else {
        for (uint k = gl_SubgroupInvocationID; k < p.K; k += gl_SubgroupSize) sum = fma(x[b * p.K + k], load_weight(row * p.K + k), sum);
    }
    sum = subgroupAdd(sum);
    if (subgroupElect()) y[b * p.ldy + p.n0 + row] = sum;
}
#else
void main() {
    const uint row = gl_WorkGroupID.x;
    const uint b = gl_WorkGroupID.y;
    float sum = 0.0;
    if (row < p.N) {
        if (p.K % 4 == 0) {
            const uint x0 = b * p.K / 4, w0 = row * p.K;
            for (uint k = gl_LocalInvocationIndex; k < p.K / 4; k += WG) sum += dot(x4[x0 + k], load_weight4(w0 + 4 * k));
        } else {
            for (uint k = gl_LocalInvocationIndex; k < p.K; k += WG) sum = fma(x[b * p.K + k], load_weight(row * p.K + k), sum);
        }
    }
    sum = workgroup_sum(sum);
    if (row < p.N && gl_LocalInvocationIndex == 0) y[b * p.ldy + p.n0 + row] = sum;
}
#endif
