// Q4_K (144 bytes, 256 values): f16 d, f16 dmin, 12 bytes of eight 6-bit
// (scale, min) pairs (k_scales.glsl), 128 code bytes. Values 64k .. 64k + 63
// use code bytes 32k .. 32k + 31: low nibbles are sub-block 2k, high nibbles
// sub-block 2k + 1; x = d * scale * q - dmin * min. Blocks are nine 16-byte units.
#include "k_scales.glsl"
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 144u;

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u, sub = j >> 5;
    const vec2 dm = unpackHalf2x16(weights[b >> 2]);
    const uvec3 s = uvec3(weights[(b >> 2) + 1u], weights[(b >> 2) + 2u], weights[(b >> 2) + 3u]);
    const uvec2 sm = k_scale_min(s, sub);
    const uint q = (block_u8(b + 16u + 32u * (sub >> 1) + (j & 31u)) >> (4u * (sub & 1u))) & 0xFu;
    return dm.x * float(sm.x) * float(q) - dm.y * float(sm.y);
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): sub-block s = e / 4, code bytes 32 (s / 2) + 8 (e % 4)
// .., low nibbles for even s, high for odd.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint u = block * (BLOCK_BYTES / 16u), s = e >> 2;
    const uvec4 head = weights16[u];
    const uint word = 4u * u + 4u + 8u * (s >> 1) + 2u * (e & 3u);
    const uvec2 q = uvec2(weights[word], weights[word + 1u]);
    const vec2 dm = unpackHalf2x16(head.x);
    const uvec2 sm = k_scale_min(head.yzw, s);
    const float d = dm.x * float(sm.x), m = dm.y * float(sm.y);
    const uint shift = 4u * (s & 1u);
    lo = d * vec4(word_nibbles(q.x, shift)) - m;
    hi = d * vec4(word_nibbles(q.y, shift)) - m;
}
