#version 450
#extension GL_GOOGLE_include_directive : require
// Paged attention, one workgroup per (head, query, key split). Keys and values
// are read through the sequence's block table from pools laid out
// [slot, kv_heads, head_dim]; query heads share kv head head / (HEADS / KV_HEADS).
// Scores go through a numerically stable online softmax in float32, a tile of
// WG keys at a time: one key per invocation for q.k, then every invocation
// accumulates its own output dimensions over the tile. (Each invocation reads
// a whole K row, so neighbouring invocations do not read neighbouring words;
// staging K tiles in shared memory, and sharing them between the queries of a
// prefill block, is the obvious next step for speed.)
// Without SPLIT the workgroup writes the normalised output; with SPLIT it
// writes its unnormalised accumulator and (max, sum) for attention_combine.
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint HEADS = 1;
layout(constant_id = 3) const uint KV_HEADS = 1;
layout(constant_id = 4) const uint BLOCK_SIZE = 16;
layout(constant_id = 5) const float SCALE = 0.125;
layout(constant_id = 6) const bool CAUSAL = true;
layout(constant_id = 7) const uint WINDOW = 0;  // 0: no sliding window
layout(constant_id = 8) const float SOFTCAP = 0.0;  // 0: no logit softcap
layout(constant_id = 9) const bool ALIBI = false;
layout(constant_id = 10) const bool SPLIT = false;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

#if defined(KV_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
#define KV_TYPE float16_t
#else
#define KV_TYPE float
#endif

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer SeqIndex { int seq_index[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) readonly buffer ContextLens { int context_lens[]; };
layout(std430, binding = 4) readonly buffer BlockTable { int block_table[]; };
layout(std430, binding = 5) readonly buffer KPool { KV_TYPE k_pool[]; };
layout(std430, binding = 6) readonly buffer VPool { KV_TYPE v_pool[]; };
layout(std430, binding = 7) readonly buffer Slopes { float slopes[]; };
layout(std430, binding = 8) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Params {
    uint max_blocks;   // block-table row length
    uint split_len;    // keys per split (a multiple of WG)
    uint splits;
    uint ml_offset;    // SPLIT: where the (max, sum) pairs start in `o`, in floats
    uint sequences;    // block-table rows
    uint pool_blocks;  // blocks in each KV pool
} p;

const uint DIMS_PER_INVOCATION = (HEAD_DIM + WG - 1) / WG;
const uint GROUP = HEADS / KV_HEADS;
const float NO_SCORE = -3.402823466e38;

shared float q_shared[HEAD_DIM];
shared float weight_shared[WG];
shared uint row_shared[WG];  // element offset of each tile key's kv-head row in the pools

float soft_cap(float s) {
    // tanh saturates to +-1 in float32 well before |x| = 15; clamping keeps
    // any tanh implementation away from inf / inf.
    return SOFTCAP * tanh(clamp(s / SOFTCAP, -15.0, 15.0));
}

void main() {
    const uint head = gl_WorkGroupID.x, query = gl_WorkGroupID.y, split = gl_WorkGroupID.z;
    const uint tid = gl_LocalInvocationIndex;
    const uint kv_head = head / GROUP;
    // Malformed indices give an empty key range (zero output), never a read
    // outside the buffers.
    const int seq = seq_index[query];
    const bool seq_ok = seq >= 0 && uint(seq) < p.sequences;
    const int pos = positions[query];
    const int context = seq_ok ? min(context_lens[seq], int(p.max_blocks * BLOCK_SIZE)) : 0;

    // The keys this query may see form one contiguous range [lo, hi].
    int lo = 0;
    int hi = CAUSAL ? min(pos, context - 1) : context - 1;
    if (WINDOW > 0) {
        lo = max(0, pos - int(WINDOW) + 1);
        hi = min(hi, pos + int(WINDOW) - 1);
    }
    const int begin = lo + int(split * p.split_len);
    const int end = min(hi + 1, begin + int(p.split_len));

    const uint q_base = (query * HEADS + head) * HEAD_DIM;
    for (uint d = tid; d < HEAD_DIM; d += WG) q_shared[d] = q[q_base + d];
    barrier();

    const float slope = ALIBI ? slopes[head] : 0.0;
    float running_max = NO_SCORE, running_sum = 0.0;
    float acc[DIMS_PER_INVOCATION];
    for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) acc[i] = 0.0;

    for (int tile = begin; tile < end; tile += int(WG)) {
        const int key = tile + int(tid);
        float score = NO_SCORE;
        uint row = 0;
        const int block = key < end ? block_table[uint(seq) * p.max_blocks + uint(key) / BLOCK_SIZE] : -1;
        const bool valid = block >= 0 && uint(block) < p.pool_blocks;
        if (valid) {
            const uint slot = uint(block) * BLOCK_SIZE + uint(key) % BLOCK_SIZE;
            row = (slot * KV_HEADS + kv_head) * HEAD_DIM;
            float dot_qk = 0.0;
            for (uint d = 0; d < HEAD_DIM; ++d) dot_qk += q_shared[d] * float(k_pool[row + d]);
            score = dot_qk * SCALE;
            if (SOFTCAP > 0.0) score = soft_cap(score);
            if (ALIBI) score += slope * float(key - pos);
        }
        const float new_max = max(running_max, workgroup_max(score));
        const float weight = valid ? exp(score - new_max) : 0.0;
        const float tile_sum = workgroup_sum(weight);
        const float rescale = exp(running_max - new_max);
        running_sum = running_sum * rescale + tile_sum;
        running_max = new_max;

        weight_shared[tid] = weight;
        row_shared[tid] = row;
        barrier();
        const int count = min(int(WG), end - tile);
        for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
            const uint d = tid + i * WG;
            if (d >= HEAD_DIM) break;
            float a = acc[i] * rescale;
            for (int j = 0; j < count; ++j) a += weight_shared[j] * float(v_pool[row_shared[j] + d]);
            acc[i] = a;
        }
        // The next tile's reductions begin with a barrier, so these shared
        // arrays are not overwritten while still being read.
    }

    if (SPLIT) {
        const uint partial = (query * HEADS + head) * p.splits + split;
        for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
            const uint d = tid + i * WG;
            if (d < HEAD_DIM) o[partial * HEAD_DIM + d] = acc[i];
        }
        if (tid == 0) {
            o[p.ml_offset + 2 * partial] = running_max;
            o[p.ml_offset + 2 * partial + 1] = running_sum;
        }
    } else {
        // A query with no visible key (never the case for causal attention) gets zeros.
        const float inv = running_sum > 0.0 ? 1.0 / running_sum : 0.0;
        for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
            const uint d = tid + i * WG;
            if (d < HEAD_DIM) o[q_base + d] = acc[i] * inv;
        }
    }
}
