#pragma once
// Mixture of experts: a router scores the experts per token (softmax or sigmoid),
// the top-k experts (or all of them, for a dense MoE) run and their outputs are
// summed with the router weights, renormalised over the chosen k when asked.
// A shared expert, optionally scaled by sigmoid(shared_gate . x), is added on top.
// With a capacity factor the tokens of one call form the batch the capacity is
// counted over (the policy is described in ops/moe.h and configs/models/README.md).
#include <cstdint>
#include <vector>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

Matrix moe(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x);

// Router probabilities of one token's logits: softmax over experts or a sigmoid each.
std::vector<double> router_probabilities(const MoeConfig& moe, const float* logits);
// Experts best first: higher logit first, equal logits by lower index.
std::vector<uint32_t> rank_experts(const MoeConfig& moe, const float* logits);

// Where a batch's token choices go.
struct Routing {
    uint32_t slots_per_token = 0;    // top_k, or every expert for a dense MoE
    std::vector<int32_t> expert;     // [tokens * slots]: -1 passes the slot on the residual
    std::vector<double> weight;      // [tokens * slots]
    std::vector<double> probability; // [tokens * experts]
    std::vector<uint32_t> chosen;    // per expert: top-k choices before capacity
};
// Routes `tokens` rows of router logits [tokens, num_experts].
Routing route_batch(const MoeConfig& moe, const float* logits, size_t tokens);

}  // namespace vkllm::ref
