// The 6-bit scale and min of sub-block j (0..7) of Q4_K / Q5_K, from the
// block's 12 packed scale bytes (held in three words): for j < 4 the low six
// bits of bytes j and j + 4; otherwise the nibbles of byte j + 4 below the
// top two bits of bytes j - 4 and j.
uvec2 k_scale_min(uvec3 s, uint j) {
    if (j < 4u) return uvec2(byte_of(s, j) & 63u, byte_of(s, j + 4u) & 63u);
    const uint packed = byte_of(s, j + 4u);
    return uvec2((packed & 0xFu) | ((byte_of(s, j - 4u) >> 6) << 4), (packed >> 4) | ((byte_of(s, j) >> 6) << 4));
}
