#version 450
// C[m, n0 + n] = sum_k A[m, k] * W[n, k] on cooperative-matrix units
// (VK_KHR_cooperative_matrix): 16x16x16 f16 x f16 -> f32 fragments. A is
// rounded to f16 on its way into shared memory (the accuracy cost is stated in
// the kernel test); W is stored f16, or (WEIGHT_BLOCK) in a GGUF block format
// decoded eight values at a time (blocks/<format>.glsl's decode8) into f16 on
// its way into shared memory.
// Tile shape by specialization constants: SG_M x SG_N subgroups per
// workgroup, each owning FRAG_M x FRAG_N fragments of the output tile, so a
// workgroup covers (16 SG_M FRAG_M) x (16 SG_N FRAG_N) outputs (the host's
// tile table, ops/linear.cpp, says which shapes exist and when each is used).
// K in stages of 64. Every loop over fragments or register pieces is
// unrolled: an array of fragments indexed at run time would live in local
// memory.
// Two-stage pipeline: while the subgroups multiply the stage in shared
// memory, every invocation already holds the next stage's A and W pieces in
// registers (16-byte loads: eight floats of A in two, eight halves of W in
// one), stored to shared memory as eight halves after the next barrier. A
// stays float in registers until then: converting at load time would wait on
// the load before the multiplications. Shared rows are padded by 16 bytes so
// that fragment loads spread over the banks. Fragments wholly inside C are
// stored straight to it; edge fragments go through the (by then idle) A tile.
// EXPERT_ROUTED: as in matmul.comp, a workgroup's rows are one tile of the
// routing plan (64 rows: the host keeps SG_M FRAG_M = 4) and W is its
// expert's slice of the stacked expert matrix.
// Split K (plain kernel): workgroup z sums its share of K into its own
// partial-sum slice of C (matmul.comp), for small M that leaves the GPU idle.
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 0) const uint WG = 128;  // SG_M * SG_N subgroups
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FRAG_N = 2;  // fragments along n per subgroup
layout(constant_id = 2) const uint FRAG_M = 2;  // fragments along m per subgroup
layout(constant_id = 3) const uint SG_M = 2;    // subgroups along m
layout(constant_id = 4) const uint SG_N = 2;    // subgroups along n

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 0) readonly buffer A4 { vec4 a4[]; };
#if defined(WEIGHT_BLOCK)
#define WEIGHT_BINDING 1
#include "weights.glsl"
#else
layout(std430, binding = 1) readonly buffer W { float16_t w[]; };
layout(std430, binding = 1) readonly buffer W8 { uvec4 w8[]; };
#endif
layout(std430, binding = 2) buffer C { float c[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(std430, binding = 4) readonly buffer Tiles { uvec4 tiles[]; };  // expert, first row, rows, unused
layout(push_constant) uniform Params { uint N, K, ldc, g0, gc, gather; } p;
#else
// k_split, split_stride: K split over workgroups as in matmul.comp.
layout(push_constant) uniform Params { uint M, N, K, ldc, n0, k_split, split_stride; } p;
#endif

const uint F = 16;     // fragment edge
const uint TILE_M = SG_M * FRAG_M * F;  // output rows of a workgroup
const uint TILE_N = SG_N * FRAG_N * F;  // output columns of a workgroup
const uint BK = 64;    // k of one stage
const uint STRIDE = BK + 8;  // halves per shared row
const uint PIECE = 8;  // halves of one register piece and one shared element
const uint A_PIECES = TILE_M * BK / PIECE / WG;  // pieces of A per invocation and stage
const uint W_PIECES = TILE_N * BK / PIECE / WG;  // pieces of W per invocation and stage
const uint A_VECS = 2 * A_PIECES;  // four floats of A to a register vector: two per piece
// Halves held eight to an element, so that a register piece goes to shared
// memory in one store; fragment loads count offsets and strides in these
// elements.
shared uvec4 a_tile[TILE_M * STRIDE / PIECE];  // [m][k]; after the K loop, one fragment per subgroup on its way to an edge of C
shared uvec4 w_tile[TILE_N * STRIDE / PIECE];  // [n][k]: B (k x n) in column-major order

// Rows and columns of this workgroup's tile, in one place for the routed and the plain kernel.
struct Tile {
    uint row0, row_end;          // rows of A and C
    uint col0, col_begin, col_end, out_col0;
    int w_row0;                  // bound W row of column 0
    uint k_begin, k_end;         // this workgroup's share of K (split K)
};

uint a_row(uint r) {
#if defined(EXPERT_ROUTED)
    return input_row(r, p.gather);
#else
    return r;
#endif
}

// The stage at k0 into registers: vector pieces when K is a multiple of 8
// (every piece then lies wholly inside or outside K), single values otherwise.
// Piece e of a stage: row (A) or column (W) e / (BK / PIECE), k PIECE * (e % (BK / PIECE)).
// A piece i is av[2 i] and av[2 i + 1].
void fetch(Tile t, uint k0, out vec4 av[A_VECS], out uvec4 wv[W_PIECES]) {
    const bool vec = p.K % 8 == 0;
    [[unroll]] for (uint i = 0; i < A_PIECES; ++i) {
        const uint e = gl_LocalInvocationIndex + i * WG;
        const uint r = t.row0 + e / (BK / PIECE), k = k0 + PIECE * (e % (BK / PIECE));
        vec4 lo = vec4(0.0), hi = vec4(0.0);
        if (r < t.row_end) {
            const uint base = a_row(r) * p.K;
            if (vec) {
                if (k < t.k_end) {
                    lo = a4[(base + k) >> 2];
                    hi = a4[((base + k) >> 2) + 1];
                }
            } else {
                for (uint j = 0; j < 4; ++j) {
                    if (k + j < t.k_end) lo[j] = a[base + k + j];
                    if (k + 4 + j < t.k_end) hi[j] = a[base + k + 4 + j];
                }
            }
        }
        av[2 * i] = lo;
        av[2 * i + 1] = hi;
    }
    [[unroll]] for (uint i = 0; i < W_PIECES; ++i) {
        const uint e = gl_LocalInvocationIndex + i * WG;
        const uint col = t.col0 + e / (BK / PIECE), k = k0 + PIECE * (e % (BK / PIECE));
        uvec4 v = uvec4(0);
        if (col >= t.col_begin && col < t.col_end) {
#if defined(WEIGHT_BLOCK)
            // Rows are whole blocks (K a multiple of BLOCK_VALUES, itself of BK's
            // eights), so a piece is eight values of one block or past K.
            if (k < t.k_end) {
                const uint row = uint(t.w_row0 + int(col));
                vec4 lo, hi;
                decode8(row * (p.K / BLOCK_VALUES) + k / BLOCK_VALUES, (k % BLOCK_VALUES) / 8u, lo, hi);
                v = uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
            }
#else
            const uint base = uint(t.w_row0 + int(col)) * p.K;
            if (vec) {
                if (k < t.k_end) v = w8[(base + k) >> 3];
            } else {
                float h[8];  // through float and back: exact for every f16 value
                for (uint j = 0; j < 8; ++j) h[j] = k + j < t.k_end ? float(w[base + k + j]) : 0.0;
                v = uvec4(packHalf2x16(vec2(h[0], h[1])), packHalf2x16(vec2(h[2], h[3])),
                          packHalf2x16(vec2(h[4], h[5])), packHalf2x16(vec2(h[6], h[7])));
            }
#endif
        }
        wv[i] = v;
    }
}

void stash(vec4 av[A_VECS], uvec4 wv[W_PIECES]) {
    [[unroll]] for (uint i = 0; i < A_PIECES; ++i) {
        const uint e = gl_LocalInvocationIndex + i * WG;
        const vec4 lo = av[2 * i], hi = av[2 * i + 1];
        a_tile[(e / (BK / PIECE)) * (STRIDE / PIECE) + e % (BK / PIECE)] =
            uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
    }
    [[unroll]] for (uint i = 0; i < W_PIECES; ++i) {
        const uint e = gl_LocalInvocationIndex + i * WG;
        w_tile[(e / (BK / PIECE)) * (STRIDE / PIECE) + e % (BK / PIECE)] = wv[i];
    }
}

void main() {
    Tile t;
    t.col0 = gl_WorkGroupID.x * TILE_N;
#if defined(EXPERT_ROUTED)
    const uvec4 tile = tiles[gl_WorkGroupID.y];
    const ExpertWindow win = expert_window(tile.x, p.N, p.g0, p.gc);
    if (tile.z == 0u || t.col0 + TILE_N <= win.col_begin || t.col0 >= win.col_end) return;  // uniform
    t.row0 = tile.y;
    t.row_end = tile.y + tile.z;
    t.col_begin = win.col_begin;
    t.col_end = win.col_end;
    t.out_col0 = 0;
    t.w_row0 = win.row_of_col0;
    t.k_begin = 0;
    t.k_end = p.K;
#else
    t.row0 = gl_WorkGroupID.y * TILE_M;
    t.row_end = p.M;
    t.col_begin = 0;
    t.col_end = p.N;
    t.out_col0 = gl_WorkGroupID.z * p.split_stride + p.n0;  // C offset of row 0: the split's partials
    t.w_row0 = 0;
    t.k_begin = gl_WorkGroupID.z * p.k_split;
    t.k_end = min(p.K, t.k_begin + p.k_split);
#endif
    const uint sub_row = (gl_SubgroupID / SG_N) * FRAG_M * F;
    const uint sub_col = (gl_SubgroupID % SG_N) * FRAG_N * F;

    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> acc[FRAG_M][FRAG_N];
    [[unroll]] for (uint i = 0; i < FRAG_M; ++i)
        [[unroll]] for (uint j = 0; j < FRAG_N; ++j)
            acc[i][j] = coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator>(0.0);

    vec4 av[A_VECS];
    uvec4 wv[W_PIECES];
    fetch(t, t.k_begin, av, wv);
    for (uint k0 = t.k_begin; k0 < t.k_end; k0 += BK) {
        barrier();  // the previous stage's fragments are loaded
        stash(av, wv);
        barrier();
        if (k0 + BK < t.k_end) fetch(t, k0 + BK, av, wv);  // in flight while this stage multiplies
        [[unroll]] for (uint kk = 0; kk < BK; kk += F) {
            coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseA> fa[FRAG_M];
            coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseB> fb[FRAG_N];
            [[unroll]] for (uint i = 0; i < FRAG_M; ++i)
                coopMatLoad(fa[i], a_tile, ((sub_row + i * F) * STRIDE + kk) / PIECE, STRIDE / PIECE,
                            gl_CooperativeMatrixLayoutRowMajor);
            [[unroll]] for (uint j = 0; j < FRAG_N; ++j)
                coopMatLoad(fb[j], w_tile, ((sub_col + j * F) * STRIDE + kk) / PIECE, STRIDE / PIECE,
                            gl_CooperativeMatrixLayoutColumnMajor);
            [[unroll]] for (uint i = 0; i < FRAG_M; ++i)
                [[unroll]] for (uint j = 0; j < FRAG_N; ++j) acc[i][j] = coopMatMulAdd(fa[i], fb[j], acc[i][j]);
        }
    }
    barrier();  // every subgroup is done with the A tile: its edge fragments may pass through it
    const uint lane = gl_SubgroupInvocationID;
    const uint edge = gl_SubgroupID * (F * F / 4);  // this subgroup's fragment in a_tile, four floats an element
    [[unroll]] for (uint i = 0; i < FRAG_M; ++i)
        [[unroll]] for (uint j = 0; j < FRAG_N; ++j) {
            const uint r0 = t.row0 + sub_row + i * F, c0 = t.col0 + sub_col + j * F;
            // Routed rows are grouped rows: C's rows stay contiguous, so the same test holds.
            if (r0 + F <= t.row_end && c0 >= t.col_begin && c0 + F <= t.col_end) {
                coopMatStore(acc[i][j], c, r0 * p.ldc + t.out_col0 + c0, p.ldc, gl_CooperativeMatrixLayoutRowMajor);
                continue;
            }
            coopMatStore(acc[i][j], a_tile, edge, F / 4, gl_CooperativeMatrixLayoutRowMajor);
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            for (uint e = lane; e < F * F; e += gl_SubgroupSize) {
                const uint r = r0 + e / F, col = c0 + e % F;
                if (r < t.row_end && col >= t.col_begin && col < t.col_end)
                    c[r * p.ldc + t.out_col0 + col] = uintBitsToFloat(a_tile[edge + e / 4][e % 4]);
            }
            subgroupBarrier();
        }
}
