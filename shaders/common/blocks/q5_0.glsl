// Q5_0 (22 bytes, 32 values): f16 d, 32 high bits (bit j is the fifth bit of
// value j), 16 bytes of low nibbles in Q4_0's order; x = d * (q - 16).
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 22u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const uint low = (block_u8(b + 6u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    const uint high = (block_u32(b + 2u) >> j) & 1u;
    return block_f16(b) * float(int(low | (high << 4)) - 16);
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): code bytes 8 (e % 2) .., low nibbles for e < 2, high
// nibbles otherwise; the fifth bit of value j is bit j of qh.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES, shift = 4u * (e >> 1);
    const float d = block_f16(b);
    const uint qh = block_u32(b + 2u);
    const uvec2 q = block_u64(b + 6u + 8u * (e & 1u));
    lo = d * (vec4(word_nibbles(q.x, shift) | (bits4(qh, 8u * e) << 4)) - 16.0);
    hi = d * (vec4(word_nibbles(q.y, shift) | (bits4(qh, 8u * e + 4u) << 4)) - 16.0);
}
