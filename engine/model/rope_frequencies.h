#pragma once
// Host-side RoPE math shared by the GPU path and the CPU reference: how many
// dims of a head rotate, and the inverse frequency of each rotary pair.
#include <cstdint>
#include <vector>

#include "model/config.h"

namespace vkllm {

// Number of rotated dims of a head: head_dim * partial_rotary_fraction, even.
uint32_t rotary_dims(const ModelConfig& config);

// Inverse frequency of each rotary pair (dims / 2 values) after scaling:
//   default   theta^(-2i/d)
//   linear    default / factor
//   dynamic   NTK-aware: theta' = theta * (factor * L / L0 - (factor - 1))^(d / (d - 2)) once the
//             sequence length L exceeds the original context L0, otherwise default
//   yarn      blend of default and default / factor across a linear ramp between the
//             correction dims of beta_fast and beta_slow rotations over L0
//   llama3    low frequencies / factor, high ones kept, smooth blend in between
// then, when rope.frequency_factors is set, pair i divided by factor i (llama.cpp's
// rope_freqs semantics: angle = position * theta^(-2i/d) / factor_i).
// `seq_len` is used by dynamic NTK only.
std::vector<double> rope_inverse_frequencies(const RopeConfig& rope, uint32_t dims, uint32_t seq_len);

// Factor on cos and sin: YaRN's attention temperature (0.1 ln(factor) + 1 unless
// given), 1 for every other method.
double rope_attention_factor(const RopeConfig& rope);

}  // namespace vkllm
