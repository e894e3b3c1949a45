#version 450
#extension GL_GOOGLE_include_directive : require
// Copies n tokens' K and V rows into the paged cache: row t goes to slot
// slots[t] of the pools laid out [slot, kv_heads * head_dim]. A negative slot
// marks a padding token and is skipped (as is one past the pools' end).
// With ROTARY_HALF > 0 the keys are rotated on their way (RoPE, as rope.comp
// does it: NeoX pairs (i, i + HALF) or GPT-J pairs (2i, 2i + 1) of each head,
// cos and sin scaled by ATTENTION_FACTOR), so a decode step needs no separate
// rotation of K and no barrier between the two.
// With KV_BLOCK the rows are encoded into a block format instead (q8_0, q4_0:
// one pool, a slot's K blocks then its V blocks; see below).
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint ROW = 64;  // kv_heads * head_dim
layout(constant_id = 2) const uint HEAD_DIM = 64;
layout(constant_id = 3) const uint ROTARY_HALF = 0;  // rotary dims / 2; 0: keys are stored as given
layout(constant_id = 4) const uint GPTJ = 0;
layout(constant_id = 5) const float ATTENTION_FACTOR = 1.0;
layout(local_size_x_id = 0) in;

#if defined(KV_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
#define KV_TYPE float16_t
#else
#define KV_TYPE float
#endif

layout(std430, binding = 0) readonly buffer KIn { float k_in[]; };
layout(std430, binding = 1) readonly buffer VIn { float v_in[]; };
layout(std430, binding = 2) readonly buffer Slots { int slots[]; };
#if defined(KV_BLOCK)
// A block format (KV_BLOCK with its WEIGHT_<FORMAT>): bindings 3 and 4 are the
// layer's one pool, whose slot holds the K row's blocks then the V row's
// (kv/kv_type.h), written as whole words; the format's include supplies the
// layout and the encoder.
#define WEIGHT_BINDING 3
#define BLOCK_ENCODER
#include "weights.glsl"
layout(std430, binding = 3) writeonly buffer KvWords { uint kv_words[]; };
#else
layout(std430, binding = 3) writeonly buffer KCache { KV_TYPE k_cache[]; };
layout(std430, binding = 4) writeonly buffer VCache { KV_TYPE v_cache[]; };
#endif
layout(std430, binding = 5) readonly buffer Positions { int positions[]; };  // read with ROTARY_HALF > 0
layout(std430, binding = 6) readonly buffer InvFreq { float inv_freq[]; };   // likewise
layout(push_constant) uniform Params { uint tokens; uint first_token; uint pool_slots; } p;

#include "rope_angle.glsl"

// Key value `c` of the row starting at `src`, rotated for token `t` where RoPE applies.
float key_value(uint t, uint src, uint c) {
    const float value = k_in[src + c];
    if (ROTARY_HALF == 0) return value;
    const uint d = c % HEAD_DIM, head_start = c - d;
    if (d >= 2 * ROTARY_HALF) return value;  // partial rotary: passes through
    const bool first = GPTJ != 0 ? d % 2 == 0 : d < ROTARY_HALF;
    const uint pair = GPTJ != 0 ? d / 2 : d % ROTARY_HALF;
    const uint partner = GPTJ != 0 ? d ^ 1u : (first ? d + ROTARY_HALF : d - ROTARY_HALF);
    const float other = k_in[src + head_start + partner];
    const float angle = reduced_angle(uint(max(positions[t], 0)), inv_freq[pair]);
    const float cs = cos(angle) * ATTENTION_FACTOR, sn = sin(angle) * ATTENTION_FACTOR;
    // (a, b) -> (a cos - b sin, b cos + a sin)
    return first ? value * cs - other * sn : value * cs + other * sn;
}

#if defined(KV_BLOCK)
const uint ROW_BLOCKS = ROW / BLOCK_VALUES;  // blocks of one K (or V) row
const uint PAIR_WORDS = BLOCK_BYTES / 2u;    // two blocks: a whole number of words

// The values of block b of a slot's 2 * ROW_BLOCKS (K blocks, then V blocks).
void block_values(uint token, uint src, uint b, out float x[BLOCK_VALUES]) {
    for (uint j = 0u; j < BLOCK_VALUES; ++j)
        x[j] = b < ROW_BLOCKS ? key_value(token, src, b * BLOCK_VALUES + j)
                              : v_in[src + (b - ROW_BLOCKS) * BLOCK_VALUES + j];
}

// Byte k of a block: its f16 scale's two bytes, then the format's codes.
uint block_byte(const float x[BLOCK_VALUES], uint scale_bits, float inv, uint k) {
    return k < 2u ? (scale_bits >> (8u * k)) & 0xFFu : encode_byte(x, inv, k - 2u);
}

// One invocation per pair of blocks of a token's slot: it encodes both and
// writes their PAIR_WORDS words.
void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = i / ROW_BLOCKS;
    if (t >= p.tokens) return;
    const uint token = p.first_token + t;
    const int slot = slots[token];
    if (slot < 0 || uint(slot) >= p.pool_slots) return;
    const uint pair = i - t * ROW_BLOCKS;
    const uint src = token * ROW;
    float x0[BLOCK_VALUES], x1[BLOCK_VALUES];
    block_values(token, src, 2u * pair, x0);
    block_values(token, src, 2u * pair + 1u, x1);
    const uint h0 = f16_bits_up(encode_scale(x0)), h1 = f16_bits_up(encode_scale(x1));
    const float d0 = unpackHalf2x16(h0).x, d1 = unpackHalf2x16(h1).x;
    const float inv0 = d0 != 0.0 ? 1.0 / d0 : 0.0, inv1 = d1 != 0.0 ? 1.0 / d1 : 0.0;
    const uint first_word = (uint(slot) * ROW_BLOCKS + pair) * PAIR_WORDS;
    for (uint w = 0u; w < PAIR_WORDS; ++w) {
        uint word = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            const uint byte = 4u * w + k;
            const uint value = byte < BLOCK_BYTES ? block_byte(x0, h0, inv0, byte)
                                                  : block_byte(x1, h1, inv1, byte - BLOCK_BYTES);
            word |= value << (8u * k);
        }
        kv_words[first_word + w] = word;
    }
}
#else
void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = i / ROW;
    if (t >= p.tokens) return;
    const uint token = p.first_token + t;
    const int slot = slots[token];
    if (slot < 0 || uint(slot) >= p.pool_slots) return;
    const uint c = i - t * ROW;
    const uint dst = uint(slot) * ROW + c;
    const uint src = token * ROW;
    k_cache[dst] = KV_TYPE(key_value(token, src, c));
    v_cache[dst] = KV_TYPE(v_in[src + c]);
}
#endif
