#pragma once
// CPU encoders of the weight types `vkllm quantize` writes (the `encode`
// column of the type table). Each encoder reads block_values * blocks floats
// and writes whole blocks in the layout its decoder (block_decoders.cpp) reads.
// Finite input is assumed (the loaders refuse NaN/Inf weights).
#include <cstdint>

namespace vkllm::blocks {

void encode_f32(const float* src, uint64_t n, uint8_t* out);
void encode_f16(const float* src, uint64_t n, uint8_t* out);
void encode_bf16(const float* src, uint64_t n, uint8_t* out);
// Round to nearest against the block's largest magnitude.
void encode_q8_0(const float* src, uint64_t blocks, uint8_t* out);
void encode_q4_0(const float* src, uint64_t blocks, uint8_t* out);
// K-quants: a least-squares search of each sub-block's scale (and min), then
// the sub-block scales quantized against the super-block's f16 scale(s).
void encode_q4_k(const float* src, uint64_t blocks, uint8_t* out);
void encode_q5_k(const float* src, uint64_t blocks, uint8_t* out);
void encode_q6_k(const float* src, uint64_t blocks, uint8_t* out);

}  // namespace vkllm::blocks
