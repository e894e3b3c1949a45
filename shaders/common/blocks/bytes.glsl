// Reading GGUF blocks from a `uint` view of the weight binding, so that no
// 8/16-bit storage is needed. Every block size is even, so every block (and
// every f16 inside it) starts on an even byte: a 16-bit field never straddles
// two words, a wider field starting at byte 2 mod 4 spans one word more.
//
// Each blocks/<format>.glsl include defines, for the kernels:
//   BLOCK_VALUES, BLOCK_BYTES      values and bytes per block
//   float load_weight(uint i)      value i of the bound rows (scalar)
//   void decode8(uint block, uint e, out vec4 lo, out vec4 hi)
//                                  values 8e .. 8e + 7 of `block` (the
//                                  matrix-vector path: a lane takes eight
//                                  consecutive values per step)
// and, where one load brings sixteen values (BLOCK_DECODE16 defined):
//   void decode16(uint block, uint e, out vec4 w[4])
//                                  values 16e .. 16e + 15, which the
//                                  matrix-vector path then takes instead
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { uint weights[]; };
// The same words four at a time, for formats whose blocks are whole 16-byte units.
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights16 { uvec4 weights16[]; };

uint block_u8(uint byte) { return bitfieldExtract(weights[byte >> 2], int((byte & 3u) * 8u), 8); }
float block_f16(uint byte) { return unpackHalf2x16(weights[byte >> 2])[(byte >> 1) & 1u]; }          // even byte

// 4 and 8 bytes starting at an even byte, as little-endian words. An
// aligned start reads exactly its words (never one past the bound range).
uint block_u32(uint byte) {
    const uint w = byte >> 2;
    return (byte & 2u) == 0u ? weights[w] : (weights[w] >> 16) | (weights[w + 1u] << 16);
}
uvec2 block_u64(uint byte) {
    const uint w = byte >> 2;
    const uvec2 lo = uvec2(weights[w], weights[w + 1u]);
    if ((byte & 2u) == 0u) return lo;
    return (lo >> 16) | (uvec2(lo.y, weights[w + 2u]) << 16);
}

// The four bytes of a word, signed.
vec4 word_sbytes(uint w) { return vec4(ivec4(uvec4(w) << uvec4(24, 16, 8, 0)) >> 24); }
// Nibble `shift / 4` (0: low, 4: high) of each byte of a word.
uvec4 word_nibbles(uint w, uint shift) { return (uvec4(w) >> (uvec4(0, 8, 16, 24) + shift)) & 0xFu; }
// Bit `first + k` of `bits` for k = 0 .. 3.
uvec4 bits4(uint bits, uint first) { return (uvec4(bits) >> (uvec4(0, 1, 2, 3) + first)) & 1u; }
// Bits `shift` .. shift + 1 of each byte of a word.
uvec4 word_pairs(uint w, uint shift) { return (uvec4(w) >> (uvec4(0, 8, 16, 24) + shift)) & 3u; }
// Byte k of twelve bytes held in three words.
uint byte_of(uvec3 words, uint k) { return (words[k >> 2] >> ((k & 3u) * 8u)) & 0xFFu; }
