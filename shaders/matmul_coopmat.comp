#version 450
// C[m, n0 + n] = sum_k A[m, k] * W[n, k] on cooperative-matrix units
// (VK_KHR_cooperative_matrix): 16x16x16 f16 x f16 -> f32 fragments. A is
// rounded to f16 on its way into shared memory (the accuracy cost is stated in
// the kernel test); W is stored f16. A 64x64 output tile per workgroup of four
// subgroups, each owning a 32x32 quarter (2x2 fragments); K in steps of 32.
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(constant_id = 0) const uint WG = 128;  // four subgroups
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer W { float16_t w[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
layout(push_constant) uniform Params { uint M, N, K, ldc, n0; } p;

const uint TILE = 64;
const uint BK = 32;
const uint F = 16;  // fragment edge
shared float16_t a_tile[TILE * BK];  // [m][k]
shared float16_t w_tile[TILE * BK];  // [n][k]: B (k x n) in column-major order
shared float c_tile[TILE * TILE];

void main() {
    const uint row0 = gl_WorkGroupID.y * TILE;
    const uint col0 = gl_WorkGroupID.x * TILE;
    const uint sub_row = (gl_SubgroupID / 2) * 32;
    const uint sub_col = (gl_SubgroupID % 2) * 32;

    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> acc[2][2];
    for (uint i = 0; i < 2; ++i)
        for (uint j = 0; j < 2; ++j) acc[i][j] = coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator>(0.0);

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        for (uint e = gl_LocalInvocationIndex; e < TILE * BK; e += WG) {
            uint r = e / BK, kk = e % BK, k = k0 + kk;
            uint ar = row0 + r, wr = col0 + r;
            a_tile[e] = float16_t((ar < p.M && k < p.K) ? a[ar * p.K + k] : 0.0);
            w_tile[e] = (wr < p.N && k < p.K) ? w[wr * p.K + k] : float16_t(0.0);
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
        if (r < p.M && col < p.N) c[r * p.ldc + p.n0 + col] = c_tile[e];
    }
}
