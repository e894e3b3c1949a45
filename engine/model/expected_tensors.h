#pragma once
// The logical tensors (model/weights.h) that a config needs, with their exact
// shapes. One list serves check_weights, make-model and parameter counting.
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace vkllm {

enum class TensorRole {
    Embedding,   // lookup table
    Linear,      // [out, in] matrix
    NormWeight,  // per-channel scale of a norm
    NormBias,
    Bias,        // bias of a linear layer
};

struct ExpectedTensor {
    std::string name;
    std::vector<uint64_t> shape;
    TensorRole role = TensorRole::Linear;
    // Which config values set the shape, e.g. "num_kv_heads=8 * head_dim=64, hidden_size=512".
    std::string why;
    int expert = -1;  // routed MoE expert index; -1 for tensors every token uses
};

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config);

// Rows of each routed expert's gate/up and of the shared expert(s)' gate/up.
uint32_t expert_intermediate(const ModelConfig& config);
uint32_t shared_expert_intermediate(const ModelConfig& config);

std::string shape_text(const std::vector<uint64_t>& shape);

}  // namespace vkllm
