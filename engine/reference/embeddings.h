#pragma once
// Input embeddings: token rows times embedding_scale, plus learned or sinusoidal
// positions and token-type rows where the model has them, then the optional
// embedding norm.
#include <cstdint>
#include <vector>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

Matrix embed(const ModelConfig& config, const ModelWeights& weights, const std::vector<int32_t>& tokens,
             const std::vector<int32_t>& token_types);

}  // namespace vkllm::ref
