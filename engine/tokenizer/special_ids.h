#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace vkllm::tokenizer {

// When nothing names the end-of-sequence token, the first special token with
// one of the customary spellings. Generation configs may still override it.
std::optional<int32_t> guess_eos_id(const std::vector<TokenInfo>& tokens);

}  // namespace vkllm::tokenizer
