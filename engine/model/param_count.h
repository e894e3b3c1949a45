#pragma once
// Parameter and memory arithmetic for `vkllm info` and the planner.
#include <cstdint>
#include <map>
#include <string>

#include "model/config.h"
#include "model/weights.h"

namespace vkllm {

struct ParameterCount {
    uint64_t total = 0;
    // Parameters one token passes through: all of them for a dense model, the
    // router-chosen top_k of each layer's experts for a sparse MoE.
    uint64_t active_per_token = 0;
    uint64_t embedding = 0;  // token, position and token-type tables
};

ParameterCount count_parameters(const ModelConfig& config);


// Stored bytes of the given weights, by dtype name ("f16" -> bytes).
std::map<std::string, uint64_t> bytes_by_dtype(const ModelWeights& weights);

// "MHA", "GQA" or "MQA".
std::string attention_kind(const ModelConfig& config);

}  // namespace vkllm
