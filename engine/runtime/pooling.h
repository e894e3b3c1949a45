#pragma once
// An encoder's last hidden states [tokens, hidden] → one embedding: pooled
// (ModelConfig::pooling: the mean over the tokens, or the first token's row)
// and L2-normalised, as sentence-transformers does. Every token of the input
// is attended (no padding), so the mean runs over all of them.
#include <cstdint>
#include <span>
#include <vector>

#include "model/config.h"

namespace vkllm::runtime {

std::vector<float> pool_embedding(std::span<const float> hidden, uint32_t tokens, uint32_t width, Pooling pooling);

// x / |x|; a zero vector stays zero.
void l2_normalize(std::vector<float>& x);

}  // namespace vkllm::runtime
