#pragma once
// Self-attention of one layer: q/k/v projections, optional per-head q/k RMSNorm,
// RoPE or ALiBi, MHA/GQA/MQA head sharing, causal or bidirectional masking with
// an optional sliding window (per layer), optional logit softcap, output projection.
#include <cstdint>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

// `x`: normalised input [n, hidden] for tokens at positions 0..n-1.
// Returns the output projection [n, hidden].
Matrix attention(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x);

// Whether query i may attend to key j under the config's masking rules, with
// `window` for the sliding window (0: none; layer_window() gives a layer's).
bool attention_allowed(const AttentionConfig& attention, size_t i, size_t j, uint32_t window);
// The same with attention.sliding_window on every layer.
bool attention_allowed(const AttentionConfig& attention, size_t i, size_t j);

}  // namespace vkllm::ref
