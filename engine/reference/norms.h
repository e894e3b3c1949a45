#pragma once
// RMSNorm (optionally x * (1 + w), Gemma) and LayerNorm, statistics in float64.
#include <string>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

void rms_norm_row(float* x, size_t n, const float* weight, double epsilon, bool unit_offset);
void layer_norm_row(float* x, size_t n, const float* weight, const float* bias, double epsilon);

// Normalises every row of `x` in place with `prefix`.weight (and .bias when the
// config's norm has one).
void apply_norm(const NormConfig& norm, Matrix& x, const ModelWeights& weights, const std::string& prefix);

}  // namespace vkllm::ref
