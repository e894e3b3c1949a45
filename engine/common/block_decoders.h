#pragma once
// CPU decoders of every weight type (one per row of the type table). Block
// layouts follow ggml-common.h; each decoder reads whole blocks, little-endian.
#include <cstdint>

namespace vkllm::blocks {

// Non-linear 4-bit code book of IQ4_NL and IQ4_XS.
extern const int8_t kIq4Values[16];

void decode_f32(const uint8_t* src, uint64_t n, float* out);
void decode_f16(const uint8_t* src, uint64_t n, float* out);
void decode_bf16(const uint8_t* src, uint64_t n, float* out);
void decode_q4_0(const uint8_t* src, uint64_t blocks, float* out);
void decode_q4_1(const uint8_t* src, uint64_t blocks, float* out);
void decode_q5_0(const uint8_t* src, uint64_t blocks, float* out);
void decode_q5_1(const uint8_t* src, uint64_t blocks, float* out);
void decode_q8_0(const uint8_t* src, uint64_t blocks, float* out);
void decode_q2_k(const uint8_t* src, uint64_t blocks, float* out);
void decode_q3_k(const uint8_t* src, uint64_t blocks, float* out);
void decode_q4_k(const uint8_t* src, uint64_t blocks, float* out);
void decode_q5_k(const uint8_t* src, uint64_t blocks, float* out);
void decode_q6_k(const uint8_t* src, uint64_t blocks, float* out);
void decode_iq4_nl(const uint8_t* src, uint64_t blocks, float* out);
void decode_iq4_xs(const uint8_t* src, uint64_t blocks, float* out);
void decode_q8_0x8(const uint8_t* src, uint64_t groups, float* out);

// Q8_0 blocks regrouped eight at a time into Q8_0X8 (weight_types.h): `groups`
// groups of eight 34-byte blocks from `src` into as many 272-byte groups.
void regroup_q8_0x8(const uint8_t* src, uint64_t groups, uint8_t* out);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block's
// 12 packed scale bytes.
void k_scale_min(const uint8_t* scales, int j, uint8_t& scale, uint8_t& min);

}  // namespace vkllm::blocks
