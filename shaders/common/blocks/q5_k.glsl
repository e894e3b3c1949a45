// Q5_K (176 bytes, 256 values): as Q4_K plus 32 bytes of high bits at byte 16
// (bit j of byte l is the fifth bit of value l of sub-block j), codes at byte
// 48. Blocks are eleven 16-byte units.
#include "k_scales.glsl"
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 176u;

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u, sub = j >> 5, l = j & 31u;
    const vec2 dm = unpackHalf2x16(weights[b >> 2]);
    const uvec3 s = uvec3(weights[(b >> 2) + 1u], weights[(b >> 2) + 2u], weights[(b >> 2) + 3u]);
    const uvec2 sm = k_scale_min(s, sub);
    const uint low = (block_u8(b + 48u + 32u * (sub >> 1) + l) >> (4u * (sub & 1u))) & 0xFu;
    const uint high = (block_u8(b + 16u + l) >> sub) & 1u;
    return dm.x * float(sm.x) * float(low | (high << 4)) - dm.y * float(sm.y);
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): sub-block s = e / 4, l from 8 (e % 4): code bytes
// 32 (s / 2) + l .. (low nibbles for even s); fifth bits: bit s of qh bytes l ..
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint u = block * (BLOCK_BYTES / 16u), s = e >> 2;
    const uvec4 head = weights16[u];
    const uint qh = 4u * u + 4u + 2u * (e & 3u), qs = 4u * u + 12u + 8u * (s >> 1) + 2u * (e & 3u);
    const vec2 dm = unpackHalf2x16(head.x);
    const uvec2 sm = k_scale_min(head.yzw, s);
    const float d = dm.x * float(sm.x), m = dm.y * float(sm.y);
    const uint shift = 4u * (s & 1u);
    lo = d * vec4(word_nibbles(weights[qs], shift) | (((uvec4(weights[qh]) >> (uvec4(0, 8, 16, 24) + s)) & 1u) << 4)) - m;
    hi = d * vec4(word_nibbles(weights[qs + 1u], shift) | (((uvec4(weights[qh + 1u]) >> (uvec4(0, 8, 16, 24) + s)) & 1u) << 4)) - m;
}
