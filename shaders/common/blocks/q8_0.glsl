// Q8_0 (34 bytes, 32 values): f16 d, 32 int8; x = d * q.
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 34u;

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, byte = b + 2u + (i & 31u);
    return block_f16(b) * float(bitfieldExtract(int(weights[byte >> 2]), int((byte & 3u) * 8u), 8));
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): the scale and one 8-byte read.
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES;
    const float d = block_f16(b);
    const uvec2 q = block_u64(b + 2u + 8u * e);
    lo = d * word_sbytes(q.x);
    hi = d * word_sbytes(q.y);
}

#if defined(BLOCK_ENCODER)
// Encoding (blocks/encode.glsl), as encode_q8_0: d = max |x| / 127, q = x / d rounded.
float encode_scale(const float x[BLOCK_VALUES]) {
    float m = 0.0;
    for (uint j = 0u; j < BLOCK_VALUES; ++j) m = max(m, abs(x[j]));
    return m / 127.0;
}
uint encode_byte(const float x[BLOCK_VALUES], float inv, uint j) {
    return uint(round_clamp(x[j] * inv, -127, 127)) & 0xFFu;
}
#endif
