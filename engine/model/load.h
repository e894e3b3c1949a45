#pragma once
// Entry points for getting a model from disk. Each throws InputError naming the
// file (and key / tensor) on bad input, before any GPU work.
#include <string>

#include "model/config.h"
#include "model/weights.h"

namespace vkllm {

struct LoadedModel {
    ModelConfig config;
    ModelWeights weights;
};

// TOML file (model/config_toml.cpp), Hugging Face directory or GGUF file: picks by
// what `path` is, validates the config and checks every tensor's shape and dtype
// against it (check_weights).
LoadedModel load_model(const std::string& path);

// Parses and validates a TOML model config; relative paths in it stay relative
// to the file's folder (resolved by load_model).
ModelConfig parse_config_toml(const std::string& path);
ModelConfig parse_config_toml_string(const std::string& text, const std::string& source_name);
std::string config_to_toml(const ModelConfig& config);

// Hugging Face: config.json -> ModelConfig, and safetensors (single or sharded)
// -> logical tensors with the family's layout rules (model/hf_*.cpp).
ModelConfig import_hf_config(const std::string& dir);
ModelWeights load_hf_weights(const ModelConfig& config, const std::string& dir);

// Plain safetensors file(s) whose names are logical names or mapped through
// config.tensor_names (make-model output, hand-written TOML).
ModelWeights load_safetensors_weights(const ModelConfig& config, const std::string& path);

// GGUF v2/v3: metadata -> ModelConfig, tensors -> logical names (model/gguf_*.cpp).
LoadedModel load_gguf(const std::string& path);

// Every tensor the config needs is present with the right shape; none holds NaN/Inf.
void check_weights(const ModelConfig& config, const ModelWeights& weights);

}  // namespace vkllm
