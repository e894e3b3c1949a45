// Q8_0X8 (272 bytes, 256 values; a device-only regrouping of eight Q8_0
// blocks, common/weight_types.h): eight f16 scales d[0..7] in the first
// 16-byte unit, then 256 int8 codes in sixteen more; x[i] = d[i / 32] * q[i].
// Groups are whole 16-byte units, so the codes a lane takes come in one
// aligned 16-byte load (decode16).
const uint BLOCK_VALUES = 256u;
const uint BLOCK_BYTES = 272u;

float load_weight(uint i) {
    const uint b = (i >> 8) * BLOCK_BYTES, byte = b + 16u + (i & 255u);
    return block_f16(b + 2u * ((i >> 5) & 7u)) * float(bitfieldExtract(int(weights[byte >> 2]), int((byte & 3u) * 8u), 8));
}

// Eight values 8e .. 8e + 7 (e < 32): their block's scale and one aligned 8-byte read.
void decode8(uint group, uint e, out vec4 lo, out vec4 hi) {
    const uint b = group * BLOCK_BYTES;
    const float d = block_f16(b + 2u * (e >> 2));
    const uvec2 q = block_u64(b + 16u + 8u * e);
    lo = d * word_sbytes(q.x);
    hi = d * word_sbytes(q.y);
}

// Sixteen values 16e .. 16e + 15 (e < 16), half a block: one 16-byte load of
// codes and the word holding their scale (matvec_blocks.glsl).
#define BLOCK_DECODE16
void decode16(uint group, uint e, out vec4 w[4]) {
    const uint unit = group * (BLOCK_BYTES / 16u);
    const uvec4 q = weights16[unit + 1u + e];
    const float d = unpackHalf2x16(weights[4u * unit + (e >> 2)])[(e >> 1) & 1u];
    w[0] = d * word_sbytes(q.x);
    w[1] = d * word_sbytes(q.y);
    w[2] = d * word_sbytes(q.z);
    w[3] = d * word_sbytes(q.w);
}
