#version 450
#extension GL_GOOGLE_include_directive : require
// C[m, n0 + n] = sum_k A[m, k] * W[n, k]   (W stored [N, K] row-major, as linear
// weights are). 64x64 output tile per workgroup, 16x16 invocations computing
// 4x4 outputs each, K in steps of 16 through shared memory; float32 accumulation.
// Any M, N, K: edges are bounds-checked.
#define WEIGHT_BINDING 1
#include "weights.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
layout(push_constant) uniform Params {
    uint M, N, K;
    uint ldc;  // row stride of C (>= n0 + N)
    uint n0;   // first column of C this dispatch writes (weights split by rows)
} p;

const uint TILE = 64;
const uint BK = 16;
shared float a_tile[BK][TILE];
shared float w_tile[BK][TILE];

void main() {
    const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    const uint local = ty * 16 + tx;
    const uint row0 = gl_WorkGroupID.y * TILE;
    const uint col0 = gl_WorkGroupID.x * TILE;
    float acc[4][4];
    for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        // 256 invocations load 64x16 of A and of W, 4 elements each.
        for (uint e = local; e < TILE * BK; e += 256) {
            uint r = e / BK, kk = e % BK;
            uint ar = row0 + r, wr = col0 + r, k = k0 + kk;
            a_tile[kk][r] = (ar < p.M && k < p.K) ? a[ar * p.K + k] : 0.0;
            w_tile[kk][r] = (wr < p.N && k < p.K) ? load_weight(wr * p.K + k) : 0.0;
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
        if (r >= p.M) continue;
        for (uint j = 0; j < 4; ++j) {
            uint col = col0 + tx + 16 * j;
            if (col < p.N) c[r * p.ldc + p.n0 + col] = acc[i][j];
        }
    }
}
