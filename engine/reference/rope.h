#pragma once
// Rotary position embedding on the CPU: the rotation of one head's vector
// (its frequencies come from model/rope_frequencies.h).
#include <cstdint>
#include <vector>

#include "model/config.h"
#include "model/rope_frequencies.h"

namespace vkllm::ref {

// Rotates the first `dims` values of `head` for `position`. NeoX pairs (i, i + dims/2),
// GPT-J pairs (2i, 2i + 1); the remaining dims pass through.
void apply_rope(float* head, uint32_t dims, RopeStyle style, const std::vector<double>& inv_freq, uint32_t position,
                double attention_factor);

}  // namespace vkllm::ref
