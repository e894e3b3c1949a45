// Q5_1 (24 bytes, 32 values): f16 d, f16 m, 32 high bits as in Q5_0, 16 bytes
// of low nibbles; x = d * q + m. Blocks are whole words.
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 24u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const vec2 dm = unpackHalf2x16(weights[b >> 2]);
    const uint low = (block_u8(b + 8u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    const uint high = (weights[(b >> 2) + 1u] >> j) & 1u;
    return fma(dm.x, float(low | (high << 4)), dm.y);
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): code bytes 8 (e % 2) .., low nibbles for e < 2, high
// nibbles otherwise; the fifth bit of value j is bit j of qh; x = d * q + m.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), word = w0 + 2u + 2u * (e & 1u), shift = 4u * (e >> 1);
    const vec2 dm = unpackHalf2x16(weights[w0]);
    const uint qh = weights[w0 + 1u];
    lo = fma(vec4(dm.x), vec4(word_nibbles(weights[word], shift) | (bits4(qh, 8u * e) << 4)), vec4(dm.y));
    hi = fma(vec4(dm.x), vec4(word_nibbles(weights[word + 1u], shift) | (bits4(qh, 8u * e + 4u) << 4)), vec4(dm.y));
}
