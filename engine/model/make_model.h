#pragma once
// make-model: random but well-scaled weights for any config, written as
// DIR/model.safetensors (logical tensor names) plus DIR/model.toml pointing at
// it. The same config and seed always give the same bytes.
#include <cstdint>
#include <string>

#include "model/config.h"
#include "model/tensor.h"

namespace vkllm {

// Writes the two files into `out_dir` (created if needed) and returns the path
// of the model.toml. `dtype` must be F32, F16 or BF16.
std::string make_model(const ModelConfig& config, uint64_t seed, DType dtype, const std::string& out_dir);

// The storage type make-model uses when none is asked for: the config's dtype
// when safetensors can hold it, else f32.
DType default_make_model_dtype(const ModelConfig& config);

}  // namespace vkllm
