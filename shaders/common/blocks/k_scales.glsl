// The 6-bit scale and min of sub-block j (0..7) of Q4_K / Q5_K, from the
// block's 12 packed scale bytes (held in three words): for j < 4 the low six
// bits of bytes j and j + 4; otherwise the nibbles of byte j + 4 below the
// top two bits of bytes j - 4 and j. Without branches or indexing: neighbouring
// lanes take different sub-blocks, so a branch would run both ways.
uvec2 k_scale_min(uvec3 s, uint j) {
    const uint shift = 8u * (j & 3u);
    const uvec3 b = (s >> shift) & 0xFFu;  // bytes j % 4, j % 4 + 4, j % 4 + 8
    const uvec2 low = uvec2(b.x, b.y) & 63u;
    const uvec2 high = uvec2(b.z & 0xFu, b.z >> 4) | ((uvec2(b.x, b.y) >> 6) << 4);
    return j < 4u ? low : high;
}
