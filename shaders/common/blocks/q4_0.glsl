// Q4_0 (18 bytes, 32 values): f16 d, 16 code bytes; value j < 16 is the low
// nibble of byte j, value j + 16 its high nibble; x = d * (q - 8).
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 18u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const uint q = (block_u8(b + 2u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    return block_f16(b) * float(int(q) - 8);
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): low nibbles of bytes 8e .. for e < 2, high nibbles of
// bytes 8 (e - 2) .. otherwise.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES;
    const float d = block_f16(b);
    const uvec2 q = block_u64(b + 2u + 8u * (e & 1u));
    const uint shift = 4u * (e >> 1);
    lo = d * (vec4(word_nibbles(q.x, shift)) - 8.0);
    hi = d * (vec4(word_nibbles(q.y, shift)) - 8.0);
}

#if defined(BLOCK_ENCODER)
// Encoding (blocks/encode.glsl), as encode_q4_0: the value of largest
// magnitude (the first of equals) maps to code 0, d = -max / 8; codes x / d + 8
// rounded into [0, 15], value j in the low nibble of byte j, value j + 16 in its high one.
float encode_scale(const float x[BLOCK_VALUES]) {
    float m = 0.0;
    for (uint j = 0u; j < BLOCK_VALUES; ++j)
        if (abs(x[j]) > abs(m)) m = x[j];
    return m / -8.0;
}
uint encode_byte(const float x[BLOCK_VALUES], float inv, uint j) {
    const uint lo = uint(round_clamp(x[j] * inv, -8, 7) + 8);
    const uint hi = uint(round_clamp(x[j + 16u] * inv, -8, 7) + 8);
    return lo | (hi << 4);
}
#endif
