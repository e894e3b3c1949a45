// Q2_K (84 bytes, 256 values): 16 scale bytes (low nibble scale, high nibble
// min, one per 16 values), 64 bytes of 2-bit codes, f16 d, f16 dmin; blocks
// are whole words. Value 128h + 32s + 16p + l (h, p < 2, s < 4, l < 16) is
// bits 2s, 2s + 1 of code byte 32h + 16p + l with scale byte 8h + 2s + p;
// x = d * (sc & 15) * q - dmin * (sc >> 4).
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 84u;

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u;
    const uint h = j >> 7, s = (j >> 5) & 3u, p = (j >> 4) & 1u, l = j & 15u;
    const uint q = (block_u8(b + 16u + 32u * h + 16u * p + l) >> (2u * s)) & 3u;
    const uint sc = block_u8(b + 8u * h + 2u * s + p);
    const vec2 dm = unpackHalf2x16(weights[(b >> 2) + 20u]);
    return dm.x * float(sc & 0xFu) * float(q) - dm.y * float(sc >> 4);
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): h = e / 16, s = (e / 4) % 4, l from 8 (e % 4): eight
// code bytes 32h + l .. at bits 2s, one scale byte 8h + 2s + (e % 4) / 2.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), h = e >> 4, s = (e >> 2) & 3u;
    const uint word = w0 + 4u + 8u * h + 2u * (e & 3u);
    const uint sc = block_u8(4u * w0 + 8u * h + 2u * s + ((e & 3u) >> 1));
    const vec2 dm = unpackHalf2x16(weights[w0 + 20u]);
    const float dl = dm.x * float(sc & 0xFu), ml = dm.y * float(sc >> 4);
    lo = dl * vec4(word_pairs(weights[word], 2u * s)) - ml;
    hi = dl * vec4(word_pairs(weights[word + 1u], 2u * s)) - ml;
}
