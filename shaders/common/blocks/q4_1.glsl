// Q4_1 (20 bytes, 32 values): f16 d, f16 m, 16 code bytes in Q4_0's nibble
// order; x = d * q + m. Blocks are whole words, so every field is word aligned.
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 20u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const vec2 dm = unpackHalf2x16(weights[b >> 2]);
    const uint q = (block_u8(b + 4u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    return fma(dm.x, float(q), dm.y);
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): code bytes 8 (e % 2) .., low nibbles for e < 2, high
// nibbles otherwise; x = d * q + m.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), word = w0 + 1u + 2u * (e & 1u), shift = 4u * (e >> 1);
    const vec2 dm = unpackHalf2x16(weights[w0]);
    lo = fma(vec4(dm.x), vec4(word_nibbles(weights[word], shift)), vec4(dm.y));
    hi = fma(vec4(dm.x), vec4(word_nibbles(weights[word + 1u], shift)), vec4(dm.y));
}
