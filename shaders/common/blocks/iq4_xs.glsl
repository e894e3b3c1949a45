// IQ4_XS (136 bytes, 256 values): f16 d, 16 bits of high scale bits (two per
// sub-block), 4 bytes of low scale nibbles, 128 code bytes (16 per 32-value
// sub-block, in Q4_0's nibble order) into the IQ4 code book; blocks are whole
// words. Sub-block ib has scale ls = low nibble ib of the four bytes | bits
// 2ib, 2ib + 1 of the high bits << 4; x = d * (ls - 32) * IQ4_VALUES[q].
#include "iq4_values.glsl"
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 136u;

float iq4_xs_scale(uint w0, uint ib) {
    const uint head = weights[w0];
    const uint low = (weights[w0 + 1u] >> (4u * ib)) & 0xFu;
    const uint high = (head >> (16u + 2u * ib)) & 3u;
    return unpackHalf2x16(head).x * float(int(low | (high << 4)) - 32);
}

float load_weight(uint i) {
    const uint w0 = (i >> 8) * (BLOCK_BYTES / 4u), j = i & 255u, ib = j >> 5, l = j & 31u;
    const uint q = (block_u8(4u * w0 + 8u + 16u * ib + (l & 15u)) >> (4u * (l >> 4))) & 0xFu;
    return iq4_xs_scale(w0, ib) * IQ4_VALUES[q];
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): sub-block ib = e / 4 (16 code bytes, nibble order as
// IQ4_NL), bytes 8 (e % 2) .., low nibbles when (e / 2) % 2 = 0.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), ib = e >> 2;
    const uint word = w0 + 2u + 4u * ib + 2u * (e & 1u), shift = 4u * ((e >> 1) & 1u);
    const float dl = iq4_xs_scale(w0, ib);
    lo = dl * iq4_values(word_nibbles(weights[word], shift));
    hi = dl * iq4_values(word_nibbles(weights[word + 1u], shift));
}
