// Storage type of a read-only weight-like operand, chosen by defines:
//   WEIGHT_F32         float
//   WEIGHT_F16         float16_t, needs 16-bit storage
//   WEIGHT_F16_PACKED  two halves per uint, for devices without 16-bit storage
// Arithmetic is always float32. Declares binding WEIGHT_BINDING as `weights`.
#if defined(WEIGHT_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float16_t weights[]; };
float load_weight(uint i) { return float(weights[i]); }
#elif defined(WEIGHT_F16_PACKED)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { uint weights[]; };
float load_weight(uint i) { return unpackHalf2x16(weights[i >> 1])[i & 1u]; }
#else
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float weights[]; };
float load_weight(uint i) { return weights[i]; }
#endif
