#version 450
// C[m, n0 + n] = sum_k A[m, k] * W[n, k] on cooperative-matrix units
// (VK_KHR_cooperative_matrix): 16x16x16 f16 x f16 -> f32 fragments. A is
// rounded to f16 on its way into shared memory (the accuracy cost is stated in
// the kernel test); W is stored f16. A 64x64 output tile per workgroup of four
// subgroups, each owning a 32x32 quarter (2x2 fragments); K in steps of 32.
// EXPERT_ROUTED: as in matmul.comp, a workgroup's rows are one tile of the
// routing plan and W is its expert's slice of the stacked expert matrix.
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_GOOGLE_include_directive : require

layout(constant_id = 0) const uint WG = 128;  // four subgroups
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer W { float16_t w[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(std430, binding = 4) readonly buffer Tiles { uvec4 tiles[]; };  // expert, first row, rows, unused
layout(push_constant) uniform Params { uint N, K, ldc, g0, gc, gather; } p;
#else
layout(push_constant) uniform Params { uint M, N, K, ldc, n0; } p;
#endif

const uint TILE = 64;
const uint BK = 32;
const uint F = 16;  // fragment edge
shared float16_t a_tile[TILE * BK];  // [m][k]
shared float16_t w_tile[TILE * BK];  // [n][k]: B (k x n) in column-major order
shared float c_tile[TILE * TILE];

void main() {
    const uint col0 = gl_WorkGroupID.x * TILE;
#if defined(EXPERT_ROUTED)
    const uvec4 tile = tiles[gl_WorkGroupID.y];
    const ExpertWindow win = expert_window(tile.x, p.N, p.g0, p.gc);
    if (tile.z == 0u || col0 + TILE <= win.col_begin || col0 >= win.col_end) return;  // uniform
    const uint row0 = tile.y, row_end = tile.y + tile.z;
    const uint col_begin = win.col_begin, col_end = win.col_end, out_col0 = 0;
    const int w_row0 = win.row_of_col0;
#else
    const uint row0 = gl_WorkGroupID.y * TILE, row_end = p.M;
    const uint col_begin = 0, col_end = p.N, out_col0 = p.n0;
    const int w_row0 = 0;
#endif
    const uint sub_row = (gl_SubgroupID / 2) * 32;
    const uint sub_col = (gl_SubgroupID % 2) * 32;

    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> acc[2][2];
    for (uint i = 0; i < 2; ++i)
        for (uint j = 0; j < 2; ++j) acc[i][j] = coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator>(0.0);

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        for (uint e = gl_LocalInvocationIndex; e < TILE * BK; e += WG) {
            uint r = e / BK, kk = e % BK, k = k0 + kk;
            uint ar = row0 + r, wc = col0 + r;
#if defined(EXPERT_ROUTED)
            a_tile[e] = float16_t((ar < row_end && k < p.K) ? a[input_row(ar, p.gather) * p.K + k] : 0.0);
#else
            a_tile[e] = float16_t((ar < row_end && k < p.K) ? a[ar * p.K + k] : 0.0);
#endif
            w_tile[e] = (wc >= col_begin && wc < col_end && k < p.K) ? w[uint(w_row0 + int(wc)) * p.K + k] : float16_t(0.0);
        }
        barrier();
        for (uint kk = 0; kk < BK; kk += F) {
            coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseA> fa[2];
            coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseB> fb[2];
            for (uint i = 0; i < 2; ++i)
                coopMatLoad(fa[i], a_tile, (sub_row + i * F) * BK + kk, BK, gl_CooperativeMatrixLayoutRowMajor);
            for (uint j = 0; j < 2; ++j)
                coopMatLoad(fb[j], w_tile, (sub_col + j * F) * BK + kk, BK, gl_CooperativeMatrixLayoutColumnMajor);
            for (uint i = 0; i < 2; ++i)
                for (uint j = 0; j < 2; ++j) acc[i][j] = coopMatMulAdd(fa[i], fb[j], acc[i][j]);
        }
        barrier();
    }
    for (uint i = 0; i < 2; ++i)
        for (uint j = 0; j < 2; ++j)
            coopMatStore(acc[i][j], c_tile, (sub_row + i * F) * TILE + sub_col + j * F, TILE,
                         gl_CooperativeMatrixLayoutRowMajor);
    barrier();
    for (uint e = gl_LocalInvocationIndex; e < TILE * TILE; e += WG) {
        uint r = row0 + e / TILE, col = col0 + e % TILE;
        if (r < row_end && col >= col_begin && col < col_end) c[r * p.ldc + out_col0 + col] = c_tile[e];
    }
}
