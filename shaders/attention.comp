#version 450
#extension GL_GOOGLE_include_directive : require
// Paged attention, one workgroup per (group of query heads that share a kv
// head, query, key split). Keys and values are read through the sequence's
// block table from pools laid out [slot, kv_heads, head_dim] (or, for a block
// format, both rows of a slot in one pool: kv/kv_type.h); query heads share
// kv head head / (HEADS / KV_HEADS), and the HEADS_PER_GROUP heads of one
// workgroup use every K and V row it loads once for all of them.
// A tile is WG keys, one per invocation: each invocation reads its key's whole
// K row in four-wide loads and dots it with every head's query (held in shared
// memory); the numerically stable online softmax runs in float32 per head;
// then every invocation accumulates its own output dimensions over the tile's
// V rows (neighbouring invocations read neighbouring values of a row).
// Without SPLIT the workgroup writes the normalised output; with SPLIT it
// writes its unnormalised accumulator and (max, sum) for attention_combine.
layout(constant_id = 0) const uint WG = 32;
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
layout(constant_id = 11) const uint HEADS_PER_GROUP = 1;  // divides HEADS / KV_HEADS
layout(local_size_x_id = 0) in;
#include "reduce.glsl"
#include "soft_cap.glsl"

#if defined(KV_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
#define KV_TYPE float16_t
#define KV_VEC4 f16vec4
#else
#define KV_TYPE float
#define KV_VEC4 vec4
#endif

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer SeqIndex { int seq_index[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) readonly buffer ContextLens { int context_lens[]; };
layout(std430, binding = 4) readonly buffer BlockTable { int block_table[]; };
#if defined(KV_BLOCK)
// A block format (KV_BLOCK with its WEIGHT_<FORMAT>): bindings 5 and 6 are the
// layer's one pool, whose slot holds the K row's blocks then the V row's
// (kv/kv_type.h), read in place by the format's decoder. Element offsets count
// values: a slot's K row of kv head g starts at (2 * slot * KV_HEADS + g) * HEAD_DIM
// and its V row KV_HEADS * HEAD_DIM further.
#define WEIGHT_BINDING 5
#include "weights.glsl"
#define KV_ROW(slot, kv_head) ((2u * (slot) * KV_HEADS + (kv_head)) * HEAD_DIM)
#define KV_VALUE(i) load_weight((i) + KV_HEADS * HEAD_DIM)
#else
layout(std430, binding = 5) readonly buffer KPool { KV_TYPE k_pool[]; };
layout(std430, binding = 5) readonly buffer KPool4 { KV_VEC4 k_pool4[]; };
layout(std430, binding = 6) readonly buffer VPool { KV_TYPE v_pool[]; };
#define KV_ROW(slot, kv_head) (((slot) * KV_HEADS + (kv_head)) * HEAD_DIM)
#define KV_VALUE(i) float(v_pool[i])
#endif
#include "attention_rows.glsl"
layout(std430, binding = 7) readonly buffer Slopes { float slopes[]; };
layout(std430, binding = 8) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Params {
    uint max_blocks;   // block-table row length
    uint splits;       // key splits of every query's range
    uint ml_offset;    // SPLIT: where the (max, sum) pairs start in `o`, in floats
    uint sequences;    // block-table rows
    uint pool_blocks;  // blocks in each KV pool
    uint skip_run;     // > 0: rows in runs of at least this many queries belong to the matrix kernel
} p;

const uint HPG = HEADS_PER_GROUP;
const uint DIMS_PER_INVOCATION = (HEAD_DIM + WG - 1) / WG;
const uint GROUP = HEADS / KV_HEADS;
const uint CHUNKS = (HEAD_DIM + 3) / 4;  // four-wide pieces of a row
const float NO_SCORE = -3.402823466e38;

shared vec4 q_shared[HPG * CHUNKS];  // zero-padded past HEAD_DIM
shared float weight_shared[HPG * WG];  // [head][key of the tile]
shared uint row_shared[WG];  // element offset of each tile key's kv-head K row in the pools


#if !defined(KV_BLOCK)
// Values [4c, 4c + 4) of the K row starting at element `row` (zeros past HEAD_DIM).
vec4 key_chunk(uint row, uint c) {
    if (HEAD_DIM % 4 == 0) return vec4(k_pool4[(row >> 2) + c]);
    vec4 k = vec4(0.0);
    for (uint i = 0; i < 4; ++i)
        if (4 * c + i < HEAD_DIM) k[i] = float(k_pool[row + 4 * c + i]);
    return k;
}
#endif

void main() {
    const uint head0 = gl_WorkGroupID.x * HPG, query = gl_WorkGroupID.y, split = gl_WorkGroupID.z;
    const uint tid = gl_LocalInvocationIndex;
    const uint kv_head = head0 / GROUP;
    if (p.skip_run > 0 && in_long_run(query, p.skip_run, gl_NumWorkGroups.y)) return;  // the matrix kernel's row
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
    // The range is cut into p.splits pieces of whole tiles, by the context this
    // step really has (the split count was fixed for the longest one).
    const uint span = uint(max(hi + 1 - lo, 0));
    const uint split_len = ((span + p.splits - 1) / p.splits + WG - 1) / WG * WG;
    const int begin = lo + int(split * split_len);
    const int end = min(hi + 1, begin + int(split_len));

    // The group's heads are consecutive rows of q.
    const uint q_base = (query * HEADS + head0) * HEAD_DIM;
    for (uint i = tid; i < HPG * CHUNKS; i += WG) {
        const uint h = i / CHUNKS, d = 4 * (i % CHUNKS);
        vec4 v = vec4(0.0);
        for (uint j = 0; j < 4; ++j)
            if (d + j < HEAD_DIM) v[j] = q[q_base + h * HEAD_DIM + d + j];
        q_shared[i] = v;
    }
    barrier();

    float slope[HPG];
    float running_max[HPG], running_sum[HPG];
    float acc[HPG * DIMS_PER_INVOCATION];
    for (uint h = 0; h < HPG; ++h) {
        slope[h] = ALIBI ? slopes[head0 + h] : 0.0;
        running_max[h] = NO_SCORE;
        running_sum[h] = 0.0;
        for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) acc[h * DIMS_PER_INVOCATION + i] = 0.0;
    }

    for (int tile = begin; tile < end; tile += int(WG)) {
        const int key = tile + int(tid);
        float score[HPG];
        for (uint h = 0; h < HPG; ++h) score[h] = NO_SCORE;
        uint row = 0;
        const int block = key < end ? block_table[uint(seq) * p.max_blocks + uint(key) / BLOCK_SIZE] : -1;
        const bool valid = block >= 0 && uint(block) < p.pool_blocks;
        if (valid) {
            const uint slot = uint(block) * BLOCK_SIZE + uint(key) % BLOCK_SIZE;
            row = KV_ROW(slot, kv_head);
            float dots[HPG];
            for (uint h = 0; h < HPG; ++h) dots[h] = 0.0;
#if defined(KV_BLOCK)
            // Eight values a step, decoded from the row's blocks (HEAD_DIM is whole blocks).
            for (uint c = 0; c < HEAD_DIM / 8; ++c) {
                vec4 lo, hi;
                decode8(row / BLOCK_VALUES + c / (BLOCK_VALUES / 8), c % (BLOCK_VALUES / 8), lo, hi);
                for (uint h = 0; h < HPG; ++h)
                    dots[h] += dot(q_shared[h * CHUNKS + 2 * c], lo) + dot(q_shared[h * CHUNKS + 2 * c + 1], hi);
            }
#else
            for (uint c = 0; c < CHUNKS; ++c) {
                const vec4 k = key_chunk(row, c);
                for (uint h = 0; h < HPG; ++h) dots[h] += dot(q_shared[h * CHUNKS + c], k);
            }
#endif
            for (uint h = 0; h < HPG; ++h) {
                float s = dots[h] * SCALE;
                if (SOFTCAP > 0.0) s = soft_cap(s, SOFTCAP);
                if (ALIBI) s += slope[h] * float(key - pos);
                score[h] = s;
            }
        }
        float rescale[HPG];
        for (uint h = 0; h < HPG; ++h) {
            const float new_max = max(running_max[h], workgroup_max(score[h]));
            const float weight = valid ? exp(score[h] - new_max) : 0.0;
            const float tile_sum = workgroup_sum(weight);
            rescale[h] = exp(running_max[h] - new_max);
            running_sum[h] = running_sum[h] * rescale[h] + tile_sum;
            running_max[h] = new_max;
            weight_shared[h * WG + tid] = weight;
        }
        row_shared[tid] = row;
        barrier();
        const uint count = uint(min(int(WG), end - tile));
        for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
            const uint d = tid + i * WG;
            if (d >= HEAD_DIM) break;
            // All of the tile's V values first (a loop of constant length, so
            // the loads are in flight together), then the weighted sums; keys
            // past the range read nothing and weigh zero.
            float values[WG];
            for (uint j = 0; j < WG; ++j) values[j] = j < count ? KV_VALUE(row_shared[j] + d) : 0.0;
            float a[HPG];
            for (uint h = 0; h < HPG; ++h) a[h] = acc[h * DIMS_PER_INVOCATION + i] * rescale[h];
            for (uint j = 0; j < WG; ++j)
                for (uint h = 0; h < HPG; ++h) a[h] += weight_shared[h * WG + j] * values[j];
            for (uint h = 0; h < HPG; ++h) acc[h * DIMS_PER_INVOCATION + i] = a[h];
        }
        // The next tile's reductions begin with a barrier, so these shared
        // arrays are not overwritten while still being read.
    }

    for (uint h = 0; h < HPG; ++h) {
        const uint head = head0 + h;
        if (SPLIT) {
            const uint partial = (query * HEADS + head) * p.splits + split;
            for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
                const uint d = tid + i * WG;
                if (d < HEAD_DIM) o[partial * HEAD_DIM + d] = acc[h * DIMS_PER_INVOCATION + i];
            }
            if (tid == 0) {
                o[p.ml_offset + 2 * partial] = running_max[h];
                o[p.ml_offset + 2 * partial + 1] = running_sum[h];
            }
        } else {
            // A query with no visible key (never the case for causal attention) gets zeros.
            const float inv = running_sum[h] > 0.0 ? 1.0 / running_sum[h] : 0.0;
            for (uint i = 0; i < DIMS_PER_INVOCATION; ++i) {
                const uint d = tid + i * WG;
                if (d < HEAD_DIM) o[q_base + h * HEAD_DIM + d] = acc[h * DIMS_PER_INVOCATION + i] * inv;
            }
        }
    }
}
