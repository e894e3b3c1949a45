#version 450
#extension GL_GOOGLE_include_directive : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] for a few vectors b (decode). One
// workgroup per output row and vector: invocations stride over K (coalesced
// reads of the weight row), four weights per load when K allows, then a
// workgroup reduction.
// EXPERT_ROUTED: vector b is grouped row b of the routing plan and W is the
// slice of its expert in the stacked expert matrix (expert_rows.glsl).
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "weights4.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;
    uint g0, gc;  // stacked weight rows bound
    uint gather;  // read x rows from their tokens
} p;
#else
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;  // row stride of y
    uint n0;   // first output column of this dispatch
} p;
#endif

// Where vector b reads x, which output rows it may write and where its
// weight rows start; false when the workgroup has nothing to do (uniform).
struct Target {
    uint x_row, col_begin, col_end, out_col0;
    int w_row0;
};

bool target(uint b, out Target t) {
#if defined(EXPERT_ROUTED)
    const int expert = grouped_rows[b].y;
    if (expert < 0) return false;
    const ExpertWindow win = expert_window(uint(expert), p.N, p.g0, p.gc);
    t.x_row = input_row(b, p.gather);
    t.col_begin = win.col_begin;
    t.col_end = win.col_end;
    t.out_col0 = 0;
    t.w_row0 = win.row_of_col0;
#else
    t.x_row = b;
    t.col_begin = 0;
    t.col_end = p.N;
    t.out_col0 = p.n0;
    t.w_row0 = 0;
#endif
    return true;
}

float row_dot(Target t, uint row, uint lane, uint lanes) {
    float sum = 0.0;
    const uint w0 = uint(t.w_row0 + int(row)) * p.K;
    if (p.K % 4 == 0) {
        const uint x0 = t.x_row * p.K / 4;
        for (uint k = lane; k < p.K / 4; k += lanes) sum += dot(x4[x0 + k], load_weight4(w0 + 4 * k));
    } else {
        for (uint k = lane; k < p.K; k += lanes) sum = fma(x[t.x_row * p.K + k], load_weight(w0 + k), sum);
    }
    return sum;
}

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
    Target t;
    if (!target(b, t)) return;
    const bool in_window = row >= t.col_begin && row < t.col_end;
    float sum = in_window ? row_dot(t, row, lane, lanes) : 0.0;
    sum = subgroupAdd(sum);
    if (SUBGROUPS_PER_ROW > 1) {
        if (subgroupElect()) row_partial[gl_SubgroupID] = sum;
        barrier();
        if (part == 0 && subgroupElect() && in_window) {
            float total = 0.0;
            for (uint i = 0; i < SUBGROUPS_PER_ROW; ++i) total += row_partial[local_row * SUBGROUPS_PER_ROW + i];
            y[b * p.ldy + t.out_col0 + row] = total;
        }
    } else if (subgroupElect() && in_window) {
        y[b * p.ldy + t.out_col0 + row] = sum;
    }
}
#else
void main() {
    const uint row = gl_WorkGroupID.x;
    const uint b = gl_WorkGroupID.y;
    Target t;
    if (!target(b, t)) return;
    const bool in_window = row >= t.col_begin && row < t.col_end;
    float sum = in_window ? row_dot(t, row, gl_LocalInvocationIndex, WG) : 0.0;
    sum = workgroup_sum(sum);
    if (in_window && gl_LocalInvocationIndex == 0) y[b * p.ldy + t.out_col0 + row] = sum;
}
#endif
