#pragma once
// From a parsed GGUF file to the engine's model: metadata -> ModelConfig
// (gguf_config.cpp) and tensors -> logical names and layouts (gguf_weights.cpp).
// load_gguf (model/load.h) chains the two on a mapped file.
#include <string>

#include "model/config.h"
#include "model/gguf_file.h"
#include "model/weights.h"

namespace vkllm {

// Architectures whose metadata and tensor conventions the engine knows.
bool gguf_architecture_supported(const std::string& arch);
// llama.cpp's converter reorders q/k rows of these architectures for its
// interleaved-pair RoPE kernel; the loader has to restore Hugging Face order.
bool gguf_qk_rows_interleaved(const std::string& arch);

// Reads general.architecture and the <arch>.* keys; throws InputError naming
// the file and the key. Does not call validate().
ModelConfig gguf_to_config(const GgufFile& file);

// Maps every tensor to its logical name (views into the file, or owned copies
// where rows have to be reordered). Unknown tensor names are an error.
ModelWeights gguf_to_weights(const GgufFile& file, const ModelConfig& config);

}  // namespace vkllm
