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
// A row is shared by SUBGROUPS_PER_ROW subgroups (1 for short rows, so a
// workgroup covers several rows; more for long rows, so each row has enough
// loads in flight). Lanes read four weights at a time, subgroups reduce with
// subgroupAdd and, when a row spans several, through shared memory. The host
// fixes the subgroup size, so it knows how many rows a workgroup covers.
layout(constant_id = 1) const uint SUBGROUPS_PER_ROW = 1;
shared float row_partial[WG];

void main() {
    const uint rows_per_group = gl_NumSubgroups / SUBGROUPS_PER_ROW;
    const uint local_row = gl_SubgroupID / SUBGROUPS_PER_ROW;
    const uint part = gl_SubgroupID % SUBGROUPS_PER_ROW;
    const uint row = gl_WorkGroupID.x * rows_per_group + local_row;
    const uint b = gl_WorkGroupID.y;
    const uint lanes = gl_SubgroupSize * SUBGROUPS_PER_ROW;
    const uint lane = part * gl_SubgroupSize + gl_SubgroupInvocationID;
    float sum = 0.0;
    if (row < p.N) {
        if (p.K % 4 == 0) {
            const uint x0 = b * p.K / 4, w0 = row * p.K;
            for (uint k = lane; k < p.K / 4; k += lanes) sum += dot(x4[x0 + k], load_weight4(w0 + 4 * k));
        } else {
            for (uint k = lane; k < p.K; k += lanes) sum = fma(x[b * p.K + k], load_weight(row * p.K + k), sum);
        }
    }
    sum = subgroupAdd(sum);
    if (SUBGROUPS_PER_ROW > 1) {
        if (subgroupElect()) row_partial[gl_SubgroupID] = sum;
        barrier();
        if (part == 0 && subgroupElect() && row < p.N) {
            float total = 0.0;
            for (uint i = 0; i < SUBGROUPS_PER_ROW; ++i) total += row_partial[local_row * SUBGROUPS_PER_ROW + i];
            y[b * p.ldy + p.n0 + row] = total;
        }
    } else if (subgroupElect() && row < p.N) {
        y[b * p.ldy + p.n0 + row] = sum;
    }
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
