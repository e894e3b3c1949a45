// IQ4_NL (18 bytes, 32 values): f16 d, 16 code bytes in Q4_0's nibble order,
// each code an index into the IQ4 code book; x = d * IQ4_VALUES[q].
#include "iq4_values.glsl"
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 18u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const uint q = (block_u8(b + 2u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    return block_f16(b) * IQ4_VALUES[q];
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): code bytes 8 (e % 2) .., low nibbles for e < 2, high
// nibbles otherwise; codes index the IQ4 code book.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES, shift = 4u * (e >> 1);
    const float d = block_f16(b);
    const uvec2 q = block_u64(b + 2u + 8u * (e & 1u));
    lo = d * iq4_values(word_nibbles(q.x, shift));
    hi = d * iq4_values(word_nibbles(q.y, shift));
}
