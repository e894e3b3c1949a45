// Q4_0 (18 bytes, 32 values): f16 d, 16 code bytes; value j < 16 is the low
// nibble of byte j, value j + 16 its high nibble; x = d * (q - 8).
// Matrix-vector group: the whole block, one run.
const uint BLOCK_VALUES = 32u;
const uint BLOCK_BYTES = 18u;
const uint GROUPS = 1u;
const uint RUNS = 1u;

uint run_start(uint g, uint r) { return 0u; }

float load_weight(uint i) {
    const uint b = (i >> 5) * BLOCK_BYTES, j = i & 31u;
    const uint q = (block_u8(b + 2u + (j & 15u)) >> ((j >> 4) * 4u)) & 0xFu;
    return block_f16(b) * float(int(q) - 8);
}

void decode_group(uint block, uint g, out vec4 w[8]) {
    const uint b = block * BLOCK_BYTES;
    const float d = block_f16(b);
    const uvec4 q = block_u128(b + 2u);
    for (uint c = 0u; c < 4u; ++c) {
        w[c] = d * (vec4(word_low_nibbles(q[c])) - 8.0);
        w[c + 4u] = d * (vec4(word_high_nibbles(q[c])) - 8.0);
    }
}
