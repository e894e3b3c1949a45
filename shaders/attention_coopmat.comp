#version 450
// Paged attention for many queries (prefill) on cooperative-matrix units
// (VK_KHR_cooperative_matrix, FxFxF f16 x f16 -> f32 with F = 16, or 8 where
// the device has only that shape): the flash-attention
// recurrence over tiles of KEYS keys, with the products Q K^T and P V on the
// matrix units and the online softmax in float32 on the invocations.
//
// A workgroup serves QW consecutive queries of HW query heads that share one
// kv head (so every K/V tile it loads serves all of them). Each of its
// SUBGROUPS subgroups owns F rows: F consecutive queries of one head, whose
// outputs are then F rows of `o` one stride apart. Per key tile:
//   1. the workgroup loads the tile's K and V rows (through the sequence's
//      block table, eight halves at a time) into shared memory;
//   2. each subgroup multiplies its Q fragments (f16, loaded once) by K^T
//      into S (F x KEYS, f32) and stores S to its shared scratch;
//   3. gl_SubgroupSize / F invocations per row scale, cap and mask the row's
//      scores, update its running max and sum, and write the probabilities P
//      as f16 and the rescale factor exp(old max - new max) of the row;
//   4. the output fragments are multiplied component-wise by a fragment whose
//      row r holds row r's rescale factor (loaded from shared memory in the
//      accumulator's own layout, so every component meets its row's factor),
//      then P V is added on the matrix units.
// At the end the same trick divides by the running sums.
//
// Queries of one workgroup may belong to different sequences (a step holds
// several prompts back to back): the workgroup makes one pass over the keys
// of each sequence among its queries; rows of other sequences see no key of
// that pass, and the online softmax carries every row across the passes.
// Masked keys (causal, window, other sequence, past the context, a block id
// outside the pool) weigh zero; a row that sees no key at all writes zeros.
//
// Precision: Q is rounded to f16 on its way into shared memory, and the
// probabilities too (both relative 2^-11); K and V are f16 pools or a block
// format decoded to f16 (KV_BLOCK). Scores, softmax and output accumulate in
// float32. f32 pools keep the exact kernel (attention.comp).
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 0) const uint WG = 128;  // SUBGROUPS * gl_SubgroupSize
layout(constant_id = 1) const uint HEAD_DIM = 64;  // a multiple of F
layout(constant_id = 2) const uint HEADS = 1;
layout(constant_id = 3) const uint KV_HEADS = 1;
layout(constant_id = 4) const uint BLOCK_SIZE = 16;
layout(constant_id = 5) const float SCALE = 0.125;
layout(constant_id = 6) const bool CAUSAL = true;
layout(constant_id = 7) const uint WINDOW = 0;  // 0: no sliding window
layout(constant_id = 8) const float SOFTCAP = 0.0;  // 0: no logit softcap
layout(constant_id = 9) const bool ALIBI = false;
layout(constant_id = 10) const uint HW = 1;  // heads of a workgroup: divides SUBGROUPS and HEADS / KV_HEADS
layout(constant_id = 11) const uint SUBGROUPS = 4;
layout(constant_id = 12) const uint SUBGROUP_SIZE = 32;  // gl_SubgroupSize (fixed by the host), a multiple of F
layout(constant_id = 13) const uint F = 16;  // fragment edge: 16, or 8
layout(local_size_x_id = 0) in;
#include "soft_cap.glsl"

layout(std430, binding = 0) readonly buffer Q4 { vec4 q4[]; };  // rows of HEAD_DIM floats, read four at a time
layout(std430, binding = 1) readonly buffer SeqIndex { int seq_index[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) readonly buffer ContextLens { int context_lens[]; };
layout(std430, binding = 4) readonly buffer BlockTable { int block_table[]; };
#if defined(KV_BLOCK)
// One pool for K and V (kv/kv_type.h): a slot's K row of kv head g starts at
// value (2 * slot * KV_HEADS + g) * HEAD_DIM, its V row KV_HEADS * HEAD_DIM further.
#define WEIGHT_BINDING 5
#include "weights.glsl"
#define KV_ROW(slot, kv_head) ((2u * (slot) * KV_HEADS + (kv_head)) * HEAD_DIM)
#define V_OFFSET (KV_HEADS * HEAD_DIM)
#else
layout(std430, binding = 5) readonly buffer KPool8 { uvec4 k_pool8[]; };  // eight halves an element
layout(std430, binding = 6) readonly buffer VPool8 { uvec4 v_pool8[]; };
#define KV_ROW(slot, kv_head) (((slot) * KV_HEADS + (kv_head)) * HEAD_DIM)
#endif
#include "attention_rows.glsl"
layout(std430, binding = 7) readonly buffer Slopes { float slopes[]; };
layout(std430, binding = 8) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Params {
    uint max_blocks;   // block-table row length
    uint queries;      // rows of q
    uint sequences;    // block-table rows
    uint pool_blocks;  // blocks in each KV pool
    uint min_run;      // > 0: only rows in runs of at least this many queries (attention_rows.glsl)
} p;

const uint KEYS = 32;                  // keys of one tile
const uint ROWS = SUBGROUPS * F;       // rows (query, head) of a workgroup
const uint QW = ROWS / HW;             // queries of a workgroup
const uint DF = HEAD_DIM / F;          // fragments along a head
const uint PIECE = 8;                  // halves of one shared element
const uint DSTRIDE = HEAD_DIM + 8;     // halves per shared K / V / Q row (padded against bank conflicts)
const uint SSTRIDE = KEYS + 4;         // floats per score row
const uint PSTRIDE = KEYS + 8;         // halves per probability row
const uint PIECES = KEYS * HEAD_DIM / PIECE;  // pieces of K (and of V) in a tile
const uint LANES = SUBGROUP_SIZE / F;  // invocations per row in the softmax
const uint PAIRS = KEYS / (2 * LANES); // pairs of keys per invocation and tile
const float NO_SCORE = -3.402823466e38;

// K tile then V tile, [key][dim]; before the key loop the Q rows [row][dim].
const uint TILE_ROWS = 2 * KEYS > ROWS ? 2 * KEYS : ROWS;
shared uvec4 tiles_shared[TILE_ROWS * DSTRIDE / PIECE];
shared float s_shared[SUBGROUPS * F * SSTRIDE];     // each subgroup's scores
shared uint p_shared[SUBGROUPS * F * PSTRIDE / 2];  // each subgroup's probabilities, two halves a uint
shared float factor_shared[SUBGROUPS * F * F];      // each subgroup's per-row factors, F to a row
shared int query_seq[QW], query_lo[QW], query_hi[QW];  // each query's sequence (-1: none) and visible keys
shared bool query_mine[QW];  // the row is this kernel's to write (false: past the queries, or the per-query kernel's)
shared bool key_ok[KEYS];

uvec4 pack8(vec4 lo, vec4 hi) {
    return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}

// Halves [8 c, 8 c + 8) of the K (or V) row of the kv head starting at value `row`.
uvec4 kv_piece(uint row, uint c, bool value) {
#if defined(KV_BLOCK)
    const uint at = row + (value ? V_OFFSET : 0u) + PIECE * c;
    vec4 lo, hi;
    decode8(at / BLOCK_VALUES, (at % BLOCK_VALUES) / PIECE, lo, hi);
    return pack8(lo, hi);
#else
    return value ? v_pool8[(row >> 3) + c] : k_pool8[(row >> 3) + c];
#endif
}

void main() {
    const uint tid = gl_LocalInvocationIndex, lane = gl_SubgroupInvocationID, sub = gl_SubgroupID;
    const uint head0 = gl_WorkGroupID.x * HW, query0 = gl_WorkGroupID.y * QW;
    const uint kv_head = head0 / (HEADS / KV_HEADS);
    // This subgroup's rows: queries query0 + sub_query0 + i (i < F) of head `head`.
    const uint head = head0 + sub % HW, sub_query0 = (sub / HW) * F;

    // Every query's key range; malformed indices give an empty one (zero output).
    for (uint i = tid; i < QW; i += WG) {
        const uint query = query0 + i;
        int seq = -1, lo = 0, hi = -1;
        const bool mine = query < p.queries && (p.min_run == 0 || in_long_run(query, p.min_run, p.queries));
        if (mine) {
            seq = seq_index[query];
            if (seq < 0 || uint(seq) >= p.sequences) seq = -1;
        }
        if (seq >= 0) {
            const int pos = positions[query];
            const int context = min(context_lens[seq], int(p.max_blocks * BLOCK_SIZE));
            hi = CAUSAL ? min(pos, context - 1) : context - 1;
            if (WINDOW > 0) {
                lo = max(0, pos - int(WINDOW) + 1);
                hi = min(hi, pos + int(WINDOW) - 1);
            }
        }
        query_seq[i] = seq;
        query_lo[i] = lo;
        query_hi[i] = hi;
        query_mine[i] = mine;
    }
    // Q rows as f16, [row][dim] with row = sub * F + i.
    for (uint e = tid; e < ROWS * HEAD_DIM / PIECE; e += WG) {
        const uint row = e / (HEAD_DIM / PIECE), c = e % (HEAD_DIM / PIECE);
        const uint query = query0 + (row / F / HW) * F + row % F, h = head0 + (row / F) % HW;
        vec4 lo = vec4(0.0), hi = vec4(0.0);
        if (query < p.queries) {
            const uint at = ((query * HEADS + h) * HEAD_DIM + PIECE * c) >> 2;
            lo = q4[at];
            hi = q4[at + 1];
        }
        tiles_shared[row * (DSTRIDE / PIECE) + c] = pack8(lo, hi);
    }
    barrier();
    bool any_mine = false, all_mine = true;
    for (uint i = 0; i < QW; ++i) {
        any_mine = any_mine || query_mine[i];
        all_mine = all_mine && query_mine[i];
    }
    if (!any_mine) return;  // every row is the per-query kernel's (or past the end): uniform
    coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseA> qa[DF];
    [[unroll]] for (uint d = 0; d < DF; ++d)
        coopMatLoad(qa[d], tiles_shared, (sub * F * DSTRIDE + d * F) / PIECE, DSTRIDE / PIECE,
                    gl_CooperativeMatrixLayoutRowMajor);

    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> acc[DF];
    [[unroll]] for (uint d = 0; d < DF; ++d) acc[d] = coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator>(0.0);

    // Softmax work: LANES invocations per row, each over PAIRS pairs of keys.
    const uint row = lane / LANES, part = lane % LANES;
    const uint my_query = sub_query0 + row;  // index among the workgroup's queries
    const int my_seq = query_seq[my_query], my_lo = query_lo[my_query], my_hi = query_hi[my_query];
    const int my_pos = query0 + my_query < p.queries ? positions[query0 + my_query] : 0;
    const float slope = ALIBI ? slopes[head] : 0.0;
    float running_max = NO_SCORE, running_sum = 0.0;
    const uint s_base = sub * F * SSTRIDE + row * SSTRIDE;
    const uint p_base = (sub * F * PSTRIDE + row * PSTRIDE) / 2;
    const uint f_base = sub * F * F + row * F;

    // One pass per sequence among the queries, in order of first appearance.
    for (uint first = 0; first < QW; ++first) {
        const int seq = query_seq[first];
        if (seq < 0) continue;
        bool seen = false;
        for (uint j = 0; j < first; ++j) seen = seen || query_seq[j] == seq;
        if (seen) continue;
        int lo = 0x7fffffff, hi = -1;
        for (uint j = first; j < QW; ++j)
            if (query_seq[j] == seq && query_lo[j] <= query_hi[j]) {
                lo = min(lo, query_lo[j]);
                hi = max(hi, query_hi[j]);
            }
        for (int tile = lo; tile <= hi; tile += int(KEYS)) {
            barrier();  // the previous tile's K and V are no longer read (and, first, Q is in registers)
            for (uint e = tid; e < PIECES; e += WG) {
                const uint k = e / (HEAD_DIM / PIECE), c = e % (HEAD_DIM / PIECE);
                const int key = tile + int(k);
                uvec4 kv = uvec4(0), vv = uvec4(0);
                bool ok = false;
                if (key <= hi) {
                    const int block = block_table[uint(seq) * p.max_blocks + uint(key) / BLOCK_SIZE];
                    ok = block >= 0 && uint(block) < p.pool_blocks;
                    if (ok) {
                        const uint at = KV_ROW(uint(block) * BLOCK_SIZE + uint(key) % BLOCK_SIZE, kv_head);
                        kv = kv_piece(at, c, false);
                        vv = kv_piece(at, c, true);
                    }
                }
                tiles_shared[k * (DSTRIDE / PIECE) + c] = kv;
                tiles_shared[(KEYS + k) * (DSTRIDE / PIECE) + c] = vv;
                if (c == 0) key_ok[k] = ok;
            }
            barrier();

            // S = Q K^T: K is stored [key][dim], which is K^T (dim x key) in column-major order.
            [[unroll]] for (uint n = 0; n < KEYS / F; ++n) {
                coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> s =
                    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator>(0.0);
                [[unroll]] for (uint d = 0; d < DF; ++d) {
                    coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseB> kb;
                    coopMatLoad(kb, tiles_shared, (n * F * DSTRIDE + d * F) / PIECE, DSTRIDE / PIECE,
                                gl_CooperativeMatrixLayoutColumnMajor);
                    s = coopMatMulAdd(qa[d], kb, s);
                }
                coopMatStore(s, s_shared, sub * F * SSTRIDE + n * F, SSTRIDE, gl_CooperativeMatrixLayoutRowMajor);
            }
            subgroupMemoryBarrierShared();
            subgroupBarrier();

            // The row's scores: pairs of keys 2 (j LANES + part), + 1.
            float score[2 * PAIRS];
            float tile_max = NO_SCORE;
            [[unroll]] for (uint j = 0; j < PAIRS; ++j) {
                const uint k = 2 * (j * LANES + part);
                [[unroll]] for (uint t = 0; t < 2; ++t) {
                    const int key = tile + int(k + t);
                    float s = s_shared[s_base + k + t] * SCALE;
                    if (SOFTCAP > 0.0) s = soft_cap(s, SOFTCAP);
                    if (ALIBI) s += slope * float(key - my_pos);
                    const bool visible = my_seq == seq && key >= my_lo && key <= my_hi && key_ok[k + t];
                    score[2 * j + t] = visible ? s : NO_SCORE;
                    tile_max = max(tile_max, score[2 * j + t]);
                }
            }
            [[unroll]] for (uint m = 1; m < LANES; m <<= 1) tile_max = max(tile_max, subgroupShuffleXor(tile_max, m));
            const float new_max = max(running_max, tile_max);
            const float rescale = exp(running_max - new_max);
            float tile_sum = 0.0;
            [[unroll]] for (uint j = 0; j < PAIRS; ++j) {
                vec2 w;
                [[unroll]] for (uint t = 0; t < 2; ++t)
                    w[t] = score[2 * j + t] > NO_SCORE ? exp(score[2 * j + t] - new_max) : 0.0;
                tile_sum += w.x + w.y;
                p_shared[p_base + j * LANES + part] = packHalf2x16(w);
            }
            [[unroll]] for (uint m = 1; m < LANES; m <<= 1) tile_sum += subgroupShuffleXor(tile_sum, m);
            running_sum = running_sum * rescale + tile_sum;
            running_max = new_max;
            for (uint i = part; i < F; i += LANES) factor_shared[f_base + i] = rescale;
            subgroupMemoryBarrierShared();
            subgroupBarrier();

            // O = O * rescale (row-wise) + P V.
            coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> factor;
            coopMatLoad(factor, factor_shared, sub * F * F, F, gl_CooperativeMatrixLayoutRowMajor);
            [[unroll]] for (uint d = 0; d < DF; ++d) acc[d] = acc[d] * factor;
            [[unroll]] for (uint k = 0; k < KEYS / F; ++k) {
                coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseA> pa;
                coopMatLoad(pa, p_shared, (sub * F * PSTRIDE + k * F) / 2, PSTRIDE / 2, gl_CooperativeMatrixLayoutRowMajor);
                [[unroll]] for (uint d = 0; d < DF; ++d) {
                    coopmat<float16_t, gl_ScopeSubgroup, F, F, gl_MatrixUseB> vb;
                    coopMatLoad(vb, tiles_shared, ((KEYS + k * F) * DSTRIDE + d * F) / PIECE, DSTRIDE / PIECE,
                                gl_CooperativeMatrixLayoutRowMajor);
                    acc[d] = coopMatMulAdd(pa, vb, acc[d]);
                }
            }
            // The next tile's S, P and factors are written after its first barrier.
        }
    }

    // Normalise: every row by its sum (zero rows stay zero).
    subgroupBarrier();
    for (uint i = part; i < F; i += LANES) factor_shared[f_base + i] = running_sum > 0.0 ? 1.0 / running_sum : 0.0;
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    coopmat<float, gl_ScopeSubgroup, F, F, gl_MatrixUseAccumulator> inv;
    coopMatLoad(inv, factor_shared, sub * F * F, F, gl_CooperativeMatrixLayoutRowMajor);
    // Row i of this subgroup is query query0 + sub_query0 + i of `head`: rows HEADS * HEAD_DIM apart in o.
    const uint first_query = query0 + sub_query0;
    const uint ld = HEADS * HEAD_DIM;
    // Workgroups that own all their rows store their fragments straight to o;
    // the others (the last one, whose queries run out, and those sharing rows
    // with the per-query kernel) pass every fragment through the score scratch (one
    // choice for the workgroup: Mesa's CPU device gave NaN rows when its
    // subgroups took different paths here, not understood).
    const bool whole = all_mine;
    [[unroll]] for (uint d = 0; d < DF; ++d) {
        acc[d] = acc[d] * inv;
        if (whole) {
            coopMatStore(acc[d], o, (first_query * HEADS + head) * HEAD_DIM + d * F, ld, gl_CooperativeMatrixLayoutRowMajor);
            continue;
        }
        // The last queries: through this subgroup's score scratch, only rows that exist.
        subgroupBarrier();
        coopMatStore(acc[d], s_shared, sub * F * SSTRIDE, SSTRIDE, gl_CooperativeMatrixLayoutRowMajor);
        subgroupMemoryBarrierShared();
        subgroupBarrier();
        for (uint e = lane; e < F * F; e += gl_SubgroupSize) {
            const uint r = e / F, c = e % F;
            if (query_mine[sub_query0 + r])
                o[((first_query + r) * HEADS + head) * HEAD_DIM + d * F + c] = s_shared[sub * F * SSTRIDE + r * SSTRIDE + c];
        }
    }
}
