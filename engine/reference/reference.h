#pragma once
// CPU reference forward pass: plain float32 storage, float64 accumulation in
// every dot product and norm. It reads only logical tensors (model/weights.h)
// and is the oracle that the GPU path and the Hugging Face fixtures are checked
// against. Slow by design; meant for small models.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/weights.h"

namespace vkllm {

// One full pass over `tokens` at positions 0..n-1 (no cache). Returns row-major
// [n_tokens, vocab] logits for decoder models, or [n_tokens, hidden] final hidden
// states for encoder-only models. `token_types` (BERT) defaults to all zeros.
std::vector<float> reference_forward(const ModelConfig& config, const ModelWeights& weights,
                                     const std::vector<int32_t>& tokens,
                                     const std::vector<int32_t>& token_types = {});

// Sees the intermediate activations of a forward pass, row-major [rows, cols],
// for comparing another implementation stage by stage. Names: "embeddings",
// "layers.{i}.attn_out" and "layers.{i}.ffn_out" (branch outputs before the
// residual add), "layers.{i}.moe.router_logits" (MoE layers), "layers.{i}.output"
// (residual stream after the layer),
// "output_norm" (when the model has one) and "logits" (decoders).
using ReferenceObserver =
    std::function<void(const std::string& name, const float* data, size_t rows, size_t cols)>;

std::vector<float> reference_forward(const ModelConfig& config, const ModelWeights& weights,
                                     const std::vector<int32_t>& tokens, const std::vector<int32_t>& token_types,
                                     const ReferenceObserver& observer);

// Greedy decoding with a full forward pass per step: `count` new token ids.
std::vector<int32_t> reference_greedy(const ModelConfig& config, const ModelWeights& weights,
                                      std::vector<int32_t> prompt, uint32_t count);

}  // namespace vkllm
