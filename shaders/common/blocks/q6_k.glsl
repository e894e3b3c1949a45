// Q6_K (210 bytes, 256 values): 128 bytes of low nibbles (ql), 64 bytes of
// high bit pairs (qh), 16 int8 scales (one per 16 values), f16 d;
// x = d * scale * (q - 32). In half h (values 128h ..), value 128h + 32t + l
// (l < 32) takes the low (t = 0, 1) or high (t = 2, 3) nibble of
// ql[64h + 32 (t % 2) + l] and bits 2t, 2t + 1 of qh[32h + l]; its scale is
// scales[8h + l / 16 + 2t].
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 210u;

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u;
    const uint h = j >> 7, t = (j >> 5) & 3u, l = j & 31u;
    const uint low = (block_u8(b + 64u * h + 32u * (t & 1u) + l) >> (4u * (t >> 1))) & 0xFu;
    const uint high = (block_u8(b + 128u + 32u * h + l) >> (2u * t)) & 3u;
    const int scale = bitfieldExtract(int(block_u8(b + 192u + 8u * h + l / 16u + 2u * t)), 0, 8);
    return block_f16(b + 208u) * float(scale) * float(int(low | (high << 4)) - 32);
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): half h = e / 16, t = (e / 4) % 4, l from 8 (e % 4):
// eight ql bytes, eight qh bytes and one scale.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES, h = e >> 4, t = (e >> 2) & 3u, l = 8u * (e & 3u);
    const uvec2 ql = block_u64(b + 64u * h + 32u * (t & 1u) + l);
    const uvec2 qh = block_u64(b + 128u + 32u * h + l);
    const int scale = bitfieldExtract(int(block_u8(b + 192u + 8u * h + l / 16u + 2u * t)), 0, 8);
    const float d = block_f16(b + 208u) * float(scale);
    const uvec4 shifts = uvec4(0, 8, 16, 24);
    const uint low = 4u * (t >> 1), high = 2u * t;
    lo = d * (vec4(((uvec4(ql.x) >> (shifts + low)) & 0xFu) | (((uvec4(qh.x) >> (shifts + high)) & 3u) << 4)) - 32.0);
    hi = d * (vec4(((uvec4(ql.y) >> (shifts + low)) & 0xFu) | (((uvec4(qh.y) >> (shifts + high)) & 3u) << 4)) - 32.0);
}
