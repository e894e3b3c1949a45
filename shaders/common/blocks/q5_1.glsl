// Q5_1 (24 bytes, 32 values): f16 d, f16 m, 32 high bits as in Q5_0, 16 bytes
// of low nibbles; x = d * q + m. Blocks are whole words.
// Matrix-vector group: the whole block, one run.
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 24u;
const uint GROUPS = 1u;
const uint RUNS = 1u;

uint run_start(uint g, uint r) { return 0u; }

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const vec2 dm = unpackHalf2x16(weights[b >> 2]);
    const uint low = (block_u8(b + 8u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    const uint high = (weights[(b >> 2) + 1u] >> j) & 1u;
    return fma(dm.x, float(low | (high << 4)), dm.y);
}

void decode_group(uint block, uint g, out vec4 w[8]) {
    const uint w0 = block * (BLOCK_BYTES / 4u);
    const vec2 dm = unpackHalf2x16(weights[w0]);
    const uint qh = weights[w0 + 1u];
    for (uint c = 0u; c < 4u; ++c) {
        const uint q = weights[w0 + 2u + c];
        const uvec4 hl = (uvec4(qh) >> (uvec4(0, 1, 2, 3) + 4u * c)) & 1u;
        const uvec4 hh = (uvec4(qh) >> (uvec4(16, 17, 18, 19) + 4u * c)) & 1u;
        w[c] = fma(vec4(dm.x), vec4(word_low_nibbles(q) | (hl << 4)), vec4(dm.y));
        w[c + 4u] = fma(vec4(dm.x), vec4(word_high_nibbles(q) | (hh << 4)), vec4(dm.y));
    }
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): code bytes 8 (e % 2) .., low nibbles for e < 2, high
// nibbles otherwise; the fifth bit of value j is bit j of qh; x = d * q + m.
#define BLOCK_DECODE8
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), word = w0 + 2u + 2u * (e & 1u), shift = 4u * (e >> 1);
    const vec2 dm = unpackHalf2x16(weights[w0]);
    const uint qh = weights[w0 + 1u];
    lo = fma(vec4(dm.x), vec4(word_nibbles(weights[word], shift) | (bits4(qh, 8u * e) << 4)), vec4(dm.y));
    hi = fma(vec4(dm.x), vec4(word_nibbles(weights[word + 1u], shift) | (bits4(qh, 8u * e + 4u) << 4)), vec4(dm.y));
}
