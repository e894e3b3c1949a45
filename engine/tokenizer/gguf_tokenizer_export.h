#pragma once
// The reverse of from_gguf_metadata: a Hugging Face tokenizer.json (with its
// tokenizer_config.json) as GGUF tokenizer.ggml.* metadata, for `vkllm quantize`.
// Byte-level BPE only (tokenizer.ggml.model "gpt2"), with the pre-tokenizers
// the GGUF reader knows: GPT-2's ("gpt2"), Llama 3's ("llama-bpe") and
// Qwen 2's ("qwen2").
#include <filesystem>
#include <optional>
#include <string>

#include "tokenizer/tokenizer.h"

namespace vkllm::tokenizer {

// nullopt, with the reason in `why_not`, when the tokenizer has no GGUF form
// the reader understands. `vocab_size` pads the token list with unused
// "[PAD<id>]" entries up to the model's embedding rows. Throws InputError for
// a damaged file.
std::optional<GgufTokenizerMetadata> gguf_metadata_from_tokenizer_json(const std::filesystem::path& tokenizer_json,
                                                                       std::size_t vocab_size, std::string& why_not);

}  // namespace vkllm::tokenizer
