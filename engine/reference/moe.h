#pragma once
// Mixture of experts: a router scores the experts per token (softmax or sigmoid),
// the top-k experts (or all of them, for a dense MoE) run and their outputs are
// summed with the router weights, renormalised over the chosen k when asked.
// A shared expert, optionally scaled by sigmoid(shared_gate . x), is added on top.
// The capacity factor is a training-time limit and is ignored here: every token
// reaches every expert it picks.
#include <cstdint>
#include <vector>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

Matrix moe(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x);

// Router weight of each expert for one token's logits (0 for experts not chosen).
std::vector<double> route(const MoeConfig& moe, const float* logits);

}  // namespace vkllm::ref
