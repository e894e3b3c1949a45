#pragma once
// The chat template family a model uses, for `chat` and `serve`.
#include <string>

#include "runtime/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace vkllm::cli {

// `name` when given (--template), else the chat_template of the
// tokenizer_config.json next to the tokenizer, else the special tokens the
// vocabulary has.
runtime::ChatFamily choose_chat_family(const std::string& name, const std::string& tokenizer_path,
                                       const tokenizer::Tokenizer& tok);

}  // namespace vkllm::cli
