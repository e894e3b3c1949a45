// Storage type of a read-only weight-like operand, chosen by defines:
//   WEIGHT_F32         float
//   WEIGHT_F16         float16_t, needs 16-bit storage
//   WEIGHT_F16_PACKED  two halves per uint, for devices without 16-bit storage
//   WEIGHT_Q8_0        GGUF Q8_0 blocks (f16 scale + 32 int8, 34 bytes) read
//                      through uints, so no 8/16-bit storage is needed; element
//                      i is value i % 32 of block i / 32 (rows are whole blocks)
// Arithmetic is always float32. Declares binding WEIGHT_BINDING as `weights`.
#if defined(WEIGHT_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float16_t weights[]; };
float load_weight(uint i) { return float(weights[i]); }
#elif defined(WEIGHT_F16_PACKED)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { uint weights[]; };
float load_weight(uint i) { return unpackHalf2x16(weights[i >> 1])[i & 1u]; }
#elif defined(WEIGHT_Q8_0)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { uint weights[]; };
// Blocks are 34 bytes, so a block starts on either half of a word; the scale
// never straddles two words because every block starts on an even byte.
float q8_0_scale(uint block) {
    uint byte = block * 34u;
    return unpackHalf2x16(weights[byte >> 2])[(byte >> 1) & 1u];
}
int q8_0_quant(uint block, uint j) {
    uint byte = block * 34u + 2u + j;
    return bitfieldExtract(int(weights[byte >> 2]), int((byte & 3u) * 8u), 8);
}
float load_weight(uint i) { return q8_0_scale(i >> 5) * float(q8_0_quant(i >> 5, i & 31u)); }
#else
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float weights[]; };
float load_weight(uint i) { return weights[i]; }
#endif
