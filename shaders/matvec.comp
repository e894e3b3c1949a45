#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] for a few vectors b (decode), W in any
// weights.glsl type (block formats decode through matvec_blocks.glsl). A
// workgroup takes one output row (or, with subgroups, several) for up to
// VECTORS vectors at once, so each weight row is read once for all of them
// (VECTORS is fixed per pipeline, so a single vector pays nothing for it):
// invocations stride over K (coalesced reads of the weight row; f16 rows eight
// weights per 16-byte load, others four, when K allows), then a reduction per
// vector.
// EXPERT_ROUTED: the vectors of a workgroup are the grouped rows of one tile
// of the routing plan, all of one expert, and W is that expert's slice of the
// stacked expert matrix (expert_rows.glsl).
// NORMED_INPUT: x is RMS-normalised on the fly (x / rms(x) * g, or * (1 + g)):
// every row's lanes see all of x, so they also sum its squares, and the dot
// product with x * g is scaled by 1 / rms(x) at the end. The preceding norm
// pass and its barrier disappear.
// GATE > 0 (a gated FFN's gate and up in one pass): W is [2N, K], gate rows
// then up rows (plan/gpu_weights.h), ROWS is 2 and a group's two rows are
// gate row n and up row N + n; the epilogue writes act(gate) * up, act the
// ACT_* function GATE names. The activation pass and its barrier disappear.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "weights4.glsl"
#include "weights8.glsl"
#include "reduce.glsl"
#include "activations.glsl"

layout(constant_id = 2) const uint VECTORS = 1;  // at most ops::kMatvecVectors
// 1: y += x W^T (a residual connection added in the epilogue; y is not x).
layout(constant_id = 3) const uint ACCUMULATE = 0;
layout(constant_id = 4) const uint UNIT_OFFSET = 0;  // NORMED_INPUT: scale by (1 + g)
layout(constant_id = 5) const uint ROWS = 1;         // consecutive weight rows sharing each x load
layout(constant_id = 6) const uint SUBGROUPS = 4;    // subgroups of the workgroup (USE_SUBGROUP)
layout(constant_id = 7) const uint GATE = 0;         // > 0: gated pair, with this activation
// Output rows of one group of ROWS weight rows.
const uint OUT_ROWS = GATE != 0 ? 1 : ROWS;
// Partial sums a lane reduces: a dot product per row and vector (slot
// r * VECTORS + v), and with NORMED_INPUT each vector's sum of squares after
// them (slot DOTS + v).
const uint DOTS = ROWS * VECTORS;
#if defined(NORMED_INPUT)
const uint SLOTS = DOTS + VECTORS;
#else
const uint SLOTS = DOTS;
#endif

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(std430, binding = 4) readonly buffer Tiles { uvec4 tiles[]; };  // expert, first row, rows, unused
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;
    uint g0, gc;  // stacked weight rows bound
    uint gather;  // read x rows from their tokens
} p;
#else
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;    // row stride of y
    uint n0;     // first output column of this dispatch
    uint batch;  // vectors
#if defined(NORMED_INPUT)
    float eps;
#endif
} p;
#endif
#if defined(NORMED_INPUT)
layout(std430, binding = 3) readonly buffer Gain { float gain[]; };
layout(std430, binding = 3) readonly buffer Gain4 { vec4 gain4[]; };
#endif

// The vectors a workgroup serves, which output columns it may write and
// where its weight rows start; false when it has nothing to do (uniform).
struct Target {
    uint first, count;  // vectors (rows of y)
    uint col_begin, col_end, out_col0;
    int w_row0;
};

// The output of row r for vector v from the reduced slots.
float finish(float sums[SLOTS], uint r, uint v) {
#if defined(NORMED_INPUT)
    return sums[r * VECTORS + v] * inversesqrt(sums[DOTS + v] / float(p.K) + p.eps);
#else
    return sums[r * VECTORS + v];
#endif
}

// x value(s) as the dot products use them: scaled by the norm's gain with NORMED_INPUT.
vec4 gained4(vec4 xv, uint k4) {
#if defined(NORMED_INPUT)
    return xv * (UNIT_OFFSET == 1 ? gain4[k4] + 1.0 : gain4[k4]);
#else
    return xv;
#endif
}
float gained(float xv, uint k) {
#if defined(NORMED_INPUT)
    return xv * (UNIT_OFFSET == 1 ? gain[k] + 1.0 : gain[k]);
#else
    return xv;
#endif
}

void store(uint i, float value) { y[i] = ACCUMULATE == 1 ? y[i] + value : value; }

bool target(out Target t) {
#if defined(EXPERT_ROUTED)
    const uvec4 tile = tiles[gl_WorkGroupID.y];
    if (tile.z == 0u) return false;
    const ExpertWindow win = expert_window(tile.x, p.N, p.g0, p.gc);
    t.first = tile.y;
    t.count = tile.z;
    t.col_begin = win.col_begin;
    t.col_end = win.col_end;
    t.out_col0 = 0;
    t.w_row0 = win.row_of_col0;
#else
    t.first = gl_WorkGroupID.y * VECTORS;
    t.count = min(VECTORS, p.batch - t.first);
    t.col_begin = 0;
    t.col_end = p.N;
    t.out_col0 = p.n0;
    t.w_row0 = 0;
#endif
    return true;
}

uint x_row(uint vector) {
#if defined(EXPERT_ROUTED)
    return input_row(vector, p.gather);
#else
    return vector;
#endif
}

// Bound weight row of output row `row`; rows outside the window (the last
// group's tail) read a row inside it, so every lane runs the same loop, and
// are never stored.
uint weight_row(Target t, uint row) { return uint(t.w_row0 + int(clamp(row, t.col_begin, t.col_end - 1u))); }
bool in_window(Target t, uint row) { return row >= t.col_begin && row < t.col_end; }
// Weight row r of the group whose first output row is row0.
uint group_weight_row(Target t, uint row0, uint r) {
    return GATE != 0 ? weight_row(t, row0) + r * p.N : weight_row(t, row0 + r);
}

// Partial dot products of weight rows row0 .. row0 + ROWS - 1 with vectors
// [v0, v0 + count) over this lane's share of K.
#if defined(WEIGHT_BLOCKS)
#include "matvec_blocks.glsl"
#else
void row_dots(Target t, uint row0, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint rows_of_x[VECTORS];
    [[unroll]] for (uint v = 0; v < VECTORS; ++v) rows_of_x[v] = v < count ? x_row(v0 + v) : 0;
    uint w0[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) w0[r] = group_weight_row(t, row0, r) * p.K;
    if (WEIGHT8_ONE_LOAD == 1 && p.K % 8 == 0) {
        for (uint k = lane; k < p.K / 8; k += lanes) {
            vec4 w[ROWS][2];
            [[unroll]] for (uint r = 0; r < ROWS; ++r) load_weight8(w0[r] + 8 * k, w[r][0], w[r][1]);
            [[unroll]] for (uint half_ = 0; half_ < 2; ++half_) {
                const uint k4 = 2 * k + half_;
                [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                    if (v < count) {
                        const vec4 xv = x4[rows_of_x[v] * p.K / 4 + k4], xg = gained4(xv, k4);
                        [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] += dot(xg, w[r][half_]);
#if defined(NORMED_INPUT)
                        sums[DOTS + v] += dot(xv, xv);
#endif
                    }
            }
        }
    } else if (p.K % 4 == 0) {
        for (uint k = lane; k < p.K / 4; k += lanes) {
            vec4 w[ROWS];
            [[unroll]] for (uint r = 0; r < ROWS; ++r) w[r] = load_weight4(w0[r] + 4 * k);
            [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const vec4 xv = x4[rows_of_x[v] * p.K / 4 + k], xg = gained4(xv, k);
                    [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] += dot(xg, w[r]);
#if defined(NORMED_INPUT)
                    sums[DOTS + v] += dot(xv, xv);
#endif
                }
        }
    } else {
        for (uint k = lane; k < p.K; k += lanes) {
            float w[ROWS];
            [[unroll]] for (uint r = 0; r < ROWS; ++r) w[r] = load_weight(w0[r] + k);
            [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const float xv = x[rows_of_x[v] * p.K + k], xg = gained(xv, k);
                    [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] = fma(xg, w[r], sums[r * VECTORS + v]);
#if defined(NORMED_INPUT)
                    sums[DOTS + v] = fma(xv, xv, sums[DOTS + v]);
#endif
                }
        }
    }
}
#endif

// Stores the reduced sums of rows row0 .. row0 + OUT_ROWS - 1 for vectors [v0, v0 + count).
void store_rows(Target t, uint row0, uint v0, uint count, float sums[SLOTS]) {
    if (GATE != 0) {
        if (in_window(t, row0))
            for (uint v = 0; v < count; ++v)
                store((t.first + v0 + v) * p.ldy + t.out_col0 + row0, activate(GATE, finish(sums, 0, v)) * finish(sums, 1, v));
        return;
    }
    for (uint r = 0; r < ROWS; ++r)
        if (in_window(t, row0 + r))
            for (uint v = 0; v < count; ++v) store((t.first + v0 + v) * p.ldy + t.out_col0 + row0 + r, finish(sums, r, v));
}

#if defined(USE_SUBGROUP)
// A group of ROWS rows is shared by SUBGROUPS_PER_ROW subgroups (1 for short
// rows, so a workgroup covers several groups; more for long rows, so each row
// has enough loads in flight). Subgroups reduce with subgroupAdd and, when a
// group spans several, through shared memory. The host fixes the subgroup
// size, so it knows how many rows a workgroup covers.
layout(constant_id = 1) const uint SUBGROUPS_PER_ROW = 1;
shared float row_partial[SLOTS][SUBGROUPS];

void main() {
    const uint groups = gl_NumSubgroups / SUBGROUPS_PER_ROW;
    const uint local_group = gl_SubgroupID / SUBGROUPS_PER_ROW;
    const uint part = gl_SubgroupID % SUBGROUPS_PER_ROW;
    const uint row0 = (gl_WorkGroupID.x * groups + local_group) * OUT_ROWS;
    const uint lanes = gl_SubgroupSize * SUBGROUPS_PER_ROW;
    const uint lane = part * gl_SubgroupSize + gl_SubgroupInvocationID;
    Target t;
    if (!target(t)) return;
    const bool any_row = row0 < t.col_end && row0 + OUT_ROWS > t.col_begin;  // uniform in the subgroup
    for (uint v0 = 0; v0 < t.count; v0 += VECTORS) {
        const uint count = min(VECTORS, t.count - v0);
        float sums[SLOTS];
        [[unroll]] for (uint s = 0; s < SLOTS; ++s) sums[s] = 0.0;
        if (any_row) row_dots(t, row0, t.first + v0, count, lane, lanes, sums);
        [[unroll]] for (uint s = 0; s < SLOTS; ++s) sums[s] = subgroupAdd(sums[s]);
        if (SUBGROUPS_PER_ROW > 1) {
            if (subgroupElect())
                for (uint s = 0; s < SLOTS; ++s) row_partial[s][gl_SubgroupID] = sums[s];
            barrier();
            if (part == 0 && subgroupElect() && any_row) {
                for (uint s = 0; s < SLOTS; ++s) {
                    float total = 0.0;
                    for (uint i = 0; i < SUBGROUPS_PER_ROW; ++i) total += row_partial[s][local_group * SUBGROUPS_PER_ROW + i];
                    sums[s] = total;
                }
                store_rows(t, row0, v0, count, sums);
            }
            barrier();
        } else if (subgroupElect() && any_row) {
            store_rows(t, row0, v0, count, sums);
        }
    }
}
#else
void main() {
    const uint row0 = gl_WorkGroupID.x * OUT_ROWS;
    Target t;
    if (!target(t)) return;
    const bool any_row = row0 < t.col_end && row0 + OUT_ROWS > t.col_begin;
    for (uint v0 = 0; v0 < t.count; v0 += VECTORS) {
        const uint count = min(VECTORS, t.count - v0);
        float sums[SLOTS];
        for (uint s = 0; s < SLOTS; ++s) sums[s] = 0.0;
        if (any_row) row_dots(t, row0, t.first + v0, count, gl_LocalInvocationIndex, WG, sums);
        for (uint s = 0; s < SLOTS; ++s)
            if ((s < DOTS ? s % VECTORS : s - DOTS) < count) sums[s] = workgroup_sum(sums[s]);  // uniform
        if (any_row && gl_LocalInvocationIndex == 0) store_rows(t, row0, v0, count, sums);
    }
}
#endif
