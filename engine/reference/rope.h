#pragma once
// Rotary position embedding: inverse frequencies for every scaling method and
// the rotation of one head's vector.
#include <cstdint>
#include <vector>

#include "model/config.h"

namespace vkllm::ref {

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

// Rotates the first `dims` values of `head` for `position`. NeoX pairs (i, i + dims/2),
// GPT-J pairs (2i, 2i + 1); the remaining dims pass through.
void apply_rope(float* head, uint32_t dims, RopeStyle style, const std::vector<double>& inv_freq, uint32_t position,
                double attention_factor);

}  // namespace vkllm::ref
