// Q3_K (110 bytes, 256 values): 32 bytes of high bits (hmask), 64 bytes of
// 2-bit codes laid out as Q2_K's, 12 bytes of sixteen 6-bit scales stored
// offset by 32, f16 d. Value 128h + 32s + 16p + l takes bits 2s, 2s + 1 of
// code byte 32h + 16p + l, bit 4h + s of hmask[16p + l] (clear: subtract 4)
// and scale 8h + 2s + p; x = d * (scale - 32) * (q - 4 * !high).
// Scale j: low four bits from the low (j < 8) or high nibble of byte j % 8,
// high two bits from bits 2 (j / 4) of byte 8 + j % 4.
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 110u;

int q3_k_scale(uvec3 packed, uint j) {
    const uint low = (byte_of(packed, j & 7u) >> (4u * (j >> 3))) & 0xFu;
    const uint high = (byte_of(packed, 8u + (j & 3u)) >> (2u * (j >> 2))) & 3u;
    return int(low | (high << 4)) - 32;
}

uvec3 q3_k_packed_scales(uint b) { return uvec3(block_u32(b + 96u), block_u32(b + 100u), block_u32(b + 104u)); }

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, j = i & 255u;
    const uint h = j >> 7, s = (j >> 5) & 3u, p = (j >> 4) & 1u, l = j & 15u;
    const uint q = (block_u8(b + 32u + 32u * h + 16u * p + l) >> (2u * s)) & 3u;
    const uint high = (block_u8(b + 16u * p + l) >> (4u * h + s)) & 1u;
    const int scale = q3_k_scale(q3_k_packed_scales(b), 8u * h + 2u * s + p);
    return block_f16(b + 108u) * float(scale) * float(int(q) - (high != 0u ? 0 : 4));
}

// Eight values 8e .. 8e + 7 (e < 32) for the coalesced matrix-vector path
// (matvec_blocks.glsl): h = e / 16, s = (e / 4) % 4, l from 8 (e % 4): eight
// code bytes 32h + l .. at bits 2s, hmask bytes l .. at bit 4h + s, scale
// 8h + 2s + (e % 4) / 2.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES, h = e >> 4, s = (e >> 2) & 3u, l = 8u * (e & 3u);
    const uvec2 q = block_u64(b + 32u + 32u * h + l);
    const uvec2 hm = block_u64(b + l);
    const float dl = block_f16(b + 108u) * float(q3_k_scale(q3_k_packed_scales(b), 8u * h + 2u * s + ((e & 3u) >> 1)));
    const uvec4 shifts = uvec4(0, 8, 16, 24) + 4u * h + s;
    lo = dl * (vec4(word_pairs(q.x, 2u * s)) - 4.0 * vec4(1u - ((uvec4(hm.x) >> shifts) & 1u)));
    hi = dl * (vec4(word_pairs(q.y, 2u * s)) - 4.0 * vec4(1u - ((uvec4(hm.y) >> shifts) & 1u)));
}
