#pragma once
// The tokenizer a model names: a tokenizer.json (or folder holding one), or
// the tokenizer stored in a GGUF file's metadata.
#include <optional>
#include <string>

#include "model/config.h"
#include "tokenizer/tokenizer.h"

namespace vkllm {

tokenizer::Tokenizer load_model_tokenizer(const std::string& path);

// Refuses, when the model is loaded rather than mid-generation, a tokenizer
// that does not fit the model: a special or added token (BOS/EOS, chat
// markers) at or past the model's vocabulary, or an unused id (a hole) below
// it that the model could generate but nothing could decode. Ordinary tokens
// past the model's ids are refused when a text encodes to them.
void check_tokenizer_fits_model(const tokenizer::Tokenizer& tok, const ModelConfig& model);

// load_model_tokenizer(path), then check_tokenizer_fits_model.
tokenizer::Tokenizer load_model_tokenizer(const std::string& path, const ModelConfig& model);

// The tokenizer the model itself names, checked; nullopt when it names none
// (or is a GGUF file without tokenizer metadata).
std::optional<tokenizer::Tokenizer> load_own_tokenizer(const ModelConfig& model);

}  // namespace vkllm
