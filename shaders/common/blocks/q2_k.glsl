// Q2_K (84 bytes, 256 values): 16 scale bytes (low nibble scale, high nibble
// min, one per 16 values), 64 bytes of 2-bit codes, f16 d, f16 dmin; blocks
// are whole words. Value 128h + 32s + 16p + l (h, p < 2, s < 4, l < 16) is
// bits 2s, 2s + 1 of code byte 32h + 16p + l with scale byte 8h + 2s + p;
// x = d * (sc & 15) * q - dmin * (sc >> 4).
// Matrix-vector group g (8 per block): code bytes 8g .. 8g + 7 (h = g / 4,
// p = g / 2 % 2, l in [8 (g % 2), + 8)) for all four s: four runs of 8 values.
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 84u;
const uint GROUPS = 8u;
const uint RUNS = 4u;

uint run_start(uint g, uint r) { return 128u * (g >> 2) + 32u * r + 8u * (g & 3u); }

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u;
    const uint h = j >> 7, s = (j >> 5) & 3u, p = (j >> 4) & 1u, l = j & 15u;
    const uint q = (block_u8(b + 16u + 32u * h + 16u * p + l) >> (2u * s)) & 3u;
    const uint sc = block_u8(b + 8u * h + 2u * s + p);
    const vec2 dm = unpackHalf2x16(weights[(b >> 2) + 20u]);
    return dm.x * float(sc & 0xFu) * float(q) - dm.y * float(sc >> 4);
}

void decode_group(uint block, uint g, out vec4 w[8]) {
    const uint w0 = block * (BLOCK_BYTES / 4u);
    const uvec2 q = uvec2(weights[w0 + 4u + 2u * g], weights[w0 + 5u + 2u * g]);
    // Scale bytes 8h + p + 2s: bytes p and p + 2 of the half's two scale words.
    const uvec2 sw = uvec2(weights[w0 + 2u * (g >> 2)], weights[w0 + 2u * (g >> 2) + 1u]);
    const uint p8 = ((g >> 1) & 1u) * 8u;
    const uvec4 sc = uvec4(bitfieldExtract(sw.x, int(p8), 8), bitfieldExtract(sw.x, int(p8 + 16u), 8),
                           bitfieldExtract(sw.y, int(p8), 8), bitfieldExtract(sw.y, int(p8 + 16u), 8));
    const vec2 dm = unpackHalf2x16(weights[w0 + 20u]);
    const vec4 dl = dm.x * vec4(sc & 0xFu), ml = dm.y * vec4(sc >> 4);
    for (uint s = 0u; s < 4u; ++s)
        for (uint c = 0u; c < 2u; ++c) w[2u * s + c] = dl[s] * vec4(word_pairs(q[c], 2u * s)) - ml[s];
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): h = e / 16, s = (e / 4) % 4, l from 8 (e % 4): eight
// code bytes 32h + l .. at bits 2s, one scale byte 8h + 2s + (e % 4) / 2.
#define BLOCK_DECODE8
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint w0 = block * (BLOCK_BYTES / 4u), h = e >> 4, s = (e >> 2) & 3u;
    const uint word = w0 + 4u + 8u * h + 2u * (e & 3u);
    const uint sc = block_u8(4u * w0 + 8u * h + 2u * s + ((e & 3u) >> 1));
    const vec2 dm = unpackHalf2x16(weights[w0 + 20u]);
    const float dl = dm.x * float(sc & 0xFu), ml = dm.y * float(sc >> 4);
    lo = dl * vec4(word_pairs(weights[word], 2u * s)) - ml;
    hi = dl * vec4(word_pairs(weights[word + 1u], 2u * s)) - ml;
}
