#pragma once
// Log-probabilities of one row of logits under the model (log-softmax, before
// any sampling transform): the chosen token's and the `top` most likely
// tokens', most likely first (ties: the lower id first).
#include <cstdint>
#include <span>
#include <vector>

#include "vkllm/engine.h"

namespace vkllm::runtime {

struct RowLogprobs {
    float chosen = 0;
    std::vector<TokenAlternative> top;
};

RowLogprobs row_logprobs(std::span<const float> logits, int32_t chosen, uint32_t top);

}  // namespace vkllm::runtime
