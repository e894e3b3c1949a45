#version 450
#extension GL_GOOGLE_include_directive : require
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
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "weights4.glsl"
#include "weights8.glsl"
#include "reduce.glsl"

layout(constant_id = 2) const uint VECTORS = 1;  // at most ops::kMatvecVectors
// 1: y += x W^T (a residual connection added in the epilogue; y is not x).
layout(constant_id = 3) const uint ACCUMULATE = 0;
layout(constant_id = 4) const uint UNIT_OFFSET = 0;  // NORMED_INPUT: scale by (1 + g)
// Partial sums a lane reduces: a dot product per vector, and with NORMED_INPUT
// the vector's sum of squares after them.
#if defined(NORMED_INPUT)
const uint SLOTS = 2 * VECTORS;
#else
const uint SLOTS = VECTORS;
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

// The output of vector v from its reduced slots.
float finish(float sums[SLOTS], uint v) {
#if defined(NORMED_INPUT)
    return sums[v] * inversesqrt(sums[VECTORS + v] / float(p.K) + p.eps);
#else
    return sums[v];
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

// Partial dot products of weight row `row` with vectors [v0, v0 + count) over this lane's share of K.
#if defined(WEIGHT_BLOCKS)
#include "matvec_blocks.glsl"
#else
void row_dots(Target t, uint row, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint rows_of_x[VECTORS];
    for (uint v = 0; v < VECTORS; ++v) rows_of_x[v] = v < count ? x_row(v0 + v) : 0;
    const uint w0 = uint(t.w_row0 + int(row)) * p.K;
    if (WEIGHT8_ONE_LOAD == 1 && p.K % 8 == 0) {
        for (uint k = lane; k < p.K / 8; k += lanes) {
            vec4 w[2];
            load_weight8(w0 + 8 * k, w[0], w[1]);
            for (uint half_ = 0; half_ < 2; ++half_) {
                const uint k4 = 2 * k + half_;
#if defined(NORMED_INPUT)
                w[half_] *= UNIT_OFFSET == 1 ? gain4[k4] + 1.0 : gain4[k4];
#endif
                for (uint v = 0; v < VECTORS; ++v)
                    if (v < count) {
                        const vec4 xv = x4[rows_of_x[v] * p.K / 4 + k4];
                        sums[v] += dot(xv, w[half_]);
#if defined(NORMED_INPUT)
                        sums[VECTORS + v] += dot(xv, xv);
#endif
                    }
            }
        }
    } else if (p.K % 4 == 0) {
        for (uint k = lane; k < p.K / 4; k += lanes) {
            vec4 w = load_weight4(w0 + 4 * k);
#if defined(NORMED_INPUT)
            w *= UNIT_OFFSET == 1 ? gain4[k] + 1.0 : gain4[k];
#endif
            for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const vec4 xv = x4[rows_of_x[v] * p.K / 4 + k];
                    sums[v] += dot(xv, w);
#if defined(NORMED_INPUT)
                    sums[VECTORS + v] += dot(xv, xv);
#endif
                }
        }
    } else {
        for (uint k = lane; k < p.K; k += lanes) {
            float w = load_weight(w0 + k);
#if defined(NORMED_INPUT)
            w *= UNIT_OFFSET == 1 ? gain[k] + 1.0 : gain[k];
#endif
            for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const float xv = x[rows_of_x[v] * p.K + k];
                    sums[v] = fma(xv, w, sums[v]);
#if defined(NORMED_INPUT)
                    sums[VECTORS + v] = fma(xv, xv, sums[VECTORS + v]);
#endif
                }
        }
    }
}
#endif

#if defined(USE_SUBGROUP)
// A row is shared by SUBGROUPS_PER_ROW subgroups (1 for short rows, so a
// workgroup covers several rows; more for long rows, so each row has enough
// loads in flight). Subgroups reduce with subgroupAdd and, when a row spans
// several, through shared memory. The host fixes the subgroup size, so it
// knows how many rows a workgroup covers.
layout(constant_id = 1) const uint SUBGROUPS_PER_ROW = 1;
shared float row_partial[SLOTS][WG];

void main() {
    const uint rows_per_group = gl_NumSubgroups / SUBGROUPS_PER_ROW;
    const uint local_row = gl_SubgroupID / SUBGROUPS_PER_ROW;
    const uint part = gl_SubgroupID % SUBGROUPS_PER_ROW;
    const uint row = gl_WorkGroupID.x * rows_per_group + local_row;
    const uint lanes = gl_SubgroupSize * SUBGROUPS_PER_ROW;
    const uint lane = part * gl_SubgroupSize + gl_SubgroupInvocationID;
    Target t;
    if (!target(t)) return;
    const bool in_window = row >= t.col_begin && row < t.col_end;
    for (uint v0 = 0; v0 < t.count; v0 += VECTORS) {
        const uint count = min(VECTORS, t.count - v0);
        float sums[SLOTS];
        for (uint v = 0; v < SLOTS; ++v) sums[v] = 0.0;
        if (in_window) row_dots(t, row, t.first + v0, count, lane, lanes, sums);
        for (uint v = 0; v < SLOTS; ++v) sums[v] = subgroupAdd(sums[v]);
        if (SUBGROUPS_PER_ROW > 1) {
            if (subgroupElect())
                for (uint v = 0; v < SLOTS; ++v) row_partial[v][gl_SubgroupID] = sums[v];
            barrier();
            if (part == 0 && subgroupElect() && in_window) {
                for (uint v = 0; v < SLOTS; ++v) {
                    float total = 0.0;
                    for (uint i = 0; i < SUBGROUPS_PER_ROW; ++i) total += row_partial[v][local_row * SUBGROUPS_PER_ROW + i];
                    sums[v] = total;
                }
                for (uint v = 0; v < count; ++v) store((t.first + v0 + v) * p.ldy + t.out_col0 + row, finish(sums, v));
            }
            barrier();
        } else if (subgroupElect() && in_window) {
            for (uint v = 0; v < count; ++v) store((t.first + v0 + v) * p.ldy + t.out_col0 + row, finish(sums, v));
        }
    }
}
#else
void main() {
    const uint row = gl_WorkGroupID.x;
    Target t;
    if (!target(t)) return;
    const bool in_window = row >= t.col_begin && row < t.col_end;
    for (uint v0 = 0; v0 < t.count; v0 += VECTORS) {
        const uint count = min(VECTORS, t.count - v0);
        float sums[SLOTS];
        for (uint v = 0; v < SLOTS; ++v) sums[v] = 0.0;
        if (in_window) row_dots(t, row, t.first + v0, count, gl_LocalInvocationIndex, WG, sums);
        for (uint v = 0; v < SLOTS; ++v)
            if (v % VECTORS < count) sums[v] = workgroup_sum(sums[v]);
        if (in_window && gl_LocalInvocationIndex == 0)
            for (uint v = 0; v < count; ++v) store((t.first + v0 + v) * p.ldy + t.out_col0 + row, finish(sums, v));
    }
}
#endif
