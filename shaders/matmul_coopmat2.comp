#version 450
// C[m, n0 + n] = sum_k A[m, k] * W[n, k] on workgroup-scope cooperative
// matrices (VK_NV_cooperative_matrix2). The whole workgroup owns one
// TILE_M x TILE_N f32 accumulator; each stage of K loads a TILE_M x BK slice
// of A and a BK x TILE_N slice of W^T through tensor layouts, and the
// compiler stages them through shared memory, pipelines the stages and
// spreads the products over the subgroups: none of matmul_coopmat.comp's
// hand-made staging. Edges need no code: the layouts clamp with constant 0,
// so loads past M, N or K read zeros and stores past M or N are dropped.
// A is f32 in memory, loaded as an f32 matrix and converted to f16 (on an
// H200 faster than a decode function per value: bench/RESULTS.md); the
// accuracy cost is matmul_coopmat.comp's. W is f16, read through a view
// that swaps its [n][k] rows into B's k x n.
// Measured on an H200, this kernel is no faster than matmul_coopmat.comp's
// hand-made staging, so the host never picks it by itself: a test or a
// benchmark names one of its tiles.
// Split K as in matmul.comp: workgroup z sums K [z k_split, (z+1) k_split)
// into its own slice of C (split_stride floats apart); the layouts of A and
// W end at the split's last K.
#extension GL_KHR_cooperative_matrix : require
#extension GL_NV_cooperative_matrix2 : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(constant_id = 0) const uint WG = 256;  // the device's invocations for these shapes
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TILE_M = 128;
layout(constant_id = 2) const uint TILE_N = 128;
layout(constant_id = 3) const uint BK = 32;  // K of one stage

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer W { float16_t w[]; };
layout(std430, binding = 2) buffer C { float c[]; };
layout(push_constant) uniform Params { uint M, N, K, ldc, n0, k_split, split_stride; } p;

#define CLAMP gl_CooperativeMatrixClampModeConstantNV

void main() {
    const uint row0 = gl_WorkGroupID.y * TILE_M, col0 = gl_WorkGroupID.x * TILE_N;
    const uint k_begin = gl_WorkGroupID.z * p.k_split, k_end = min(p.K, k_begin + p.k_split);

    tensorLayoutNV<2, CLAMP> layout_a = createTensorLayoutNV(2, CLAMP);
    layout_a = setTensorLayoutDimensionNV(layout_a, p.M, k_end);
    layout_a = setTensorLayoutStrideNV(layout_a, p.K, 1);
    tensorLayoutNV<2, CLAMP> layout_w = createTensorLayoutNV(2, CLAMP);
    layout_w = setTensorLayoutDimensionNV(layout_w, p.N, k_end);
    layout_w = setTensorLayoutStrideNV(layout_w, p.K, 1);
    const tensorViewNV<2, false, 1, 0> swap_rows_and_columns = createTensorViewNV(2, false, 1, 0);
    // C as [split][row][column]: the columns end at n0 + N (n0 <= column < n0 + N is this product's).
    const uint split_stride = p.split_stride != 0u ? p.split_stride : p.M * p.ldc;
    tensorLayoutNV<3, CLAMP> layout_c = createTensorLayoutNV(3, CLAMP);
    layout_c = setTensorLayoutDimensionNV(layout_c, gl_NumWorkGroups.z, p.M, p.n0 + p.N);
    layout_c = setTensorLayoutStrideNV(layout_c, split_stride, p.ldc, 1);

    coopmat<float, gl_ScopeWorkgroup, TILE_M, TILE_N, gl_MatrixUseAccumulator> acc =
        coopmat<float, gl_ScopeWorkgroup, TILE_M, TILE_N, gl_MatrixUseAccumulator>(0.0);
    for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
        coopmat<float, gl_ScopeWorkgroup, TILE_M, BK, gl_MatrixUseA> fa32;
        coopMatLoadTensorNV(fa32, a, 0, sliceTensorLayoutNV(layout_a, row0, TILE_M, k0, BK));
        const coopmat<float16_t, gl_ScopeWorkgroup, TILE_M, BK, gl_MatrixUseA> fa =
            coopmat<float16_t, gl_ScopeWorkgroup, TILE_M, BK, gl_MatrixUseA>(fa32);
        coopmat<float16_t, gl_ScopeWorkgroup, BK, TILE_N, gl_MatrixUseB> fw;
        coopMatLoadTensorNV(fw, w, 0, sliceTensorLayoutNV(layout_w, col0, TILE_N, k0, BK), swap_rows_and_columns);
        acc = coopMatMulAdd(fa, fw, acc);
    }
    coopMatStoreTensorNV(acc, c, 0,
                         sliceTensorLayoutNV(layout_c, gl_WorkGroupID.z, 1, row0, TILE_M, p.n0 + col0, TILE_N));
}
