// Storage type of a read-only weight-like operand, chosen by defines:
//   WEIGHT_F32         float (also when no WEIGHT_ define is given)
//   WEIGHT_F16         float16_t, needs 16-bit storage
//   WEIGHT_F16_PACKED  two halves per uint, for devices without 16-bit storage
//   WEIGHT_<FORMAT>    a GGUF block format (Q4_0 ... IQ4_XS, the names of the
//                      weight-type table upper-cased), read through uints so
//                      that no 8/16-bit storage is needed; its decoder is
//                      blocks/<format>.glsl. Element i is value i % BLOCK_VALUES
//                      of block i / BLOCK_VALUES (rows are whole blocks).
// Arithmetic is always float32. Declares binding WEIGHT_BINDING as `weights`
// and `float load_weight(uint i)`; block formats also define WEIGHT_BLOCKS and
// the matrix-vector group decode described in blocks/bytes.glsl, and with
// BLOCK_ENCODER the encoder of blocks/encode.glsl where the format has one.
#if defined(WEIGHT_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float16_t weights[]; };
float load_weight(uint i) { return float(weights[i]); }
#elif defined(WEIGHT_F16_PACKED)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { uint weights[]; };
float load_weight(uint i) { return unpackHalf2x16(weights[i >> 1])[i & 1u]; }
#elif defined(WEIGHT_F32) || !defined(WEIGHT_BLOCK)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights { float weights[]; };
float load_weight(uint i) { return weights[i]; }
#else
#define WEIGHT_BLOCKS
#include "blocks/bytes.glsl"
#if defined(BLOCK_ENCODER)
#include "blocks/encode.glsl"
#endif
#if defined(WEIGHT_Q4_0)
#include "blocks/q4_0.glsl"
#elif defined(WEIGHT_Q4_1)
#include "blocks/q4_1.glsl"
#elif defined(WEIGHT_Q5_0)
#include "blocks/q5_0.glsl"
#elif defined(WEIGHT_Q5_1)
#include "blocks/q5_1.glsl"
#elif defined(WEIGHT_Q8_0)
#include "blocks/q8_0.glsl"
#elif defined(WEIGHT_Q2_K)
#include "blocks/q2_k.glsl"
#elif defined(WEIGHT_Q3_K)
#include "blocks/q3_k.glsl"
#elif defined(WEIGHT_Q4_K)
#include "blocks/q4_k.glsl"
#elif defined(WEIGHT_Q5_K)
#include "blocks/q5_k.glsl"
#elif defined(WEIGHT_Q6_K)
#include "blocks/q6_k.glsl"
#elif defined(WEIGHT_IQ4_NL)
#include "blocks/iq4_nl.glsl"
#elif defined(WEIGHT_IQ4_XS)
#include "blocks/iq4_xs.glsl"
#elif defined(WEIGHT_Q8_0X8)
#include "blocks/q8_0x8.glsl"
#else
#error "WEIGHT_BLOCK is set but no known WEIGHT_<FORMAT> define is"
#endif
#endif
