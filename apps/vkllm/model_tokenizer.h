#pragma once
// The tokenizer a model names: a tokenizer.json (or folder holding one), or
// the tokenizer stored in a GGUF file's metadata.
#include <string>

#include "tokenizer/tokenizer.h"

namespace vkllm::cli {

tokenizer::Tokenizer load_model_tokenizer(const std::string& path);

}  // namespace vkllm::cli
