// Q8_0 (34 bytes, 32 values): f16 d, 32 int8; x = d * q.
// Matrix-vector group: the whole block, one run (scale plus two 16-byte reads).
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 34u;
const uint GROUPS = 1u;
const uint RUNS = 1u;

uint run_start(uint g, uint r) { return 0u; }

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, byte = b + 2u + (i & 31u);
    return block_f16(b) * float(bitfieldExtract(int(weights[byte >> 2]), int((byte & 3u) * 8u), 8));
}

void decode_group(uint block, uint g, out vec4 w[8]) {
    const uint b = block * BLOCK_BYTES;
    const float d = block_f16(b);
    const uvec4 q0 = block_u128(b + 2u), q1 = block_u128(b + 18u);
    for (uint c = 0u; c < 4u; ++c) {
        w[c] = d * word_sbytes(q0[c]);
        w[c + 4u] = d * word_sbytes(q1[c]);
    }
}

// Eight values 8e .. 8e + 7 (e < 4) for the coalesced matrix-vector path
// (matvec_blocks.glsl): the scale and one 8-byte read.
#define BLOCK_DECODE8
void decode8(uint block, uint e, out vec4 lo, out vec4 hi) {
    const uint b = block * BLOCK_BYTES;
    const float d = block_f16(b);
    const uvec2 q = block_u64(b + 2u + 8u * e);
    lo = d * word_sbytes(q.x);
    hi = d * word_sbytes(q.y);
}
