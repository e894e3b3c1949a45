#version 450
#extension GL_GOOGLE_include_directive : require
// C[m, n0 + n] = sum_k A[m, k] * W[n, k]   (W stored [N, K] row-major, as linear
// weights are). 64x64 output tile per workgroup, 16x16 invocations computing
// 4x4 outputs each, K in steps of 16 through shared memory; float32 accumulation.
// Any M, N, K: edges are bounds-checked. Optionally K is split over
// workgroups (z), each writing its partial sums (small M fills the GPU).
// EXPERT_ROUTED: the rows of a workgroup come from one tile of the routing plan
// (expert, first grouped row, rows) and W is that expert's slice of the stacked
// expert matrix (expert_rows.glsl).
#define WEIGHT_BINDING 1
#include "weights.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(std430, binding = 4) readonly buffer Tiles { uvec4 tiles[]; };  // expert, first row, rows, unused
layout(push_constant) uniform Params {
    uint N, K;
    uint ldc;
    uint g0, gc;   // stacked weight rows bound
    uint gather;   // read A rows from their tokens
} p;
#else
layout(push_constant) uniform Params {
    uint M, N, K;
    uint ldc;  // row stride of C (>= n0 + N)
    uint n0;   // first column of C this dispatch writes (weights split by rows)
    // Split K: workgroup z sums k in [z * k_split, (z + 1) * k_split) into
    // C + z * split_stride (partial sums a later pass adds up); one split:
    // k_split >= K, z = 0.
    uint k_split, split_stride;
} p;
#endif

const uint TILE = 64;
const uint BK = 16;
shared float a_tile[BK][TILE];
shared float w_tile[BK][TILE];

void main() {
    const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    const uint local = ty * 16 + tx;
    const uint col0 = gl_WorkGroupID.x * TILE;
#if defined(EXPERT_ROUTED)
    const uvec4 tile = tiles[gl_WorkGroupID.y];
    const ExpertWindow win = expert_window(tile.x, p.N, p.g0, p.gc);
    if (tile.z == 0u || col0 + TILE <= win.col_begin || col0 >= win.col_end) return;  // uniform
    const uint row0 = tile.y, row_end = tile.y + tile.z;
    const uint col_begin = win.col_begin, col_end = win.col_end, out_col0 = 0;
    const int w_row0 = win.row_of_col0;
    const uint k_begin = 0, k_end = p.K;
#else
    const uint row0 = gl_WorkGroupID.y * TILE, row_end = p.M;
    const uint col_begin = 0, col_end = p.N;
    const int w_row0 = 0;
    const uint k_begin = gl_WorkGroupID.z * p.k_split, k_end = min(p.K, k_begin + p.k_split);
    const uint out_col0 = gl_WorkGroupID.z * p.split_stride + p.n0;  // C offset of row 0: the split's partials
#endif
    float acc[4][4];
    for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

    for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
        // 256 invocations load 64x16 of A and of W, 4 elements each.
        for (uint e = local; e < TILE * BK; e += 256) {
            uint r = e / BK, kk = e % BK;
            uint ar = row0 + r, wc = col0 + r, k = k0 + kk;
#if defined(EXPERT_ROUTED)
            a_tile[kk][r] = (ar < row_end && k < k_end) ? a[input_row(ar, p.gather) * p.K + k] : 0.0;
#else
            a_tile[kk][r] = (ar < row_end && k < k_end) ? a[ar * p.K + k] : 0.0;
#endif
            w_tile[kk][r] = (wc >= col_begin && wc < col_end && k < k_end) ? load_weight(uint(w_row0 + int(wc)) * p.K + k) : 0.0;
        }
        barrier();
        for (uint kk = 0; kk < BK; ++kk) {
            float av[4], wv[4];
            for (uint i = 0; i < 4; ++i) av[i] = a_tile[kk][ty + 16 * i];
            for (uint j = 0; j < 4; ++j) wv[j] = w_tile[kk][tx + 16 * j];
            for (uint i = 0; i < 4; ++i)
                for (uint j = 0; j < 4; ++j) acc[i][j] = fma(av[i], wv[j], acc[i][j]);
        }
        barrier();
    }
    for (uint i = 0; i < 4; ++i) {
        uint r = row0 + ty + 16 * i;
        if (r >= row_end) continue;
        for (uint j = 0; j < 4; ++j) {
            uint col = col0 + tx + 16 * j;
            if (col >= col_begin && col < col_end) c[r * p.ldc + out_col0 + col] = acc[i][j];
        }
    }
}
