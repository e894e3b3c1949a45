#pragma once
// Repetition, frequency and presence penalties on logits, from the tokens
// seen so far (the caller picks the window).
#include <cstdint>
#include <span>

#include "runtime/sampling_params.h"

namespace vkllm::runtime {

// History ids outside the logits range throw InputError.
void apply_penalties(std::span<float> logits, std::span<const int32_t> history, const SamplingParams& params);

}  // namespace vkllm::runtime
