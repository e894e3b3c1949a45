#pragma once
// Unicode Normalization Form C (canonical decomposition, canonical ordering,
// canonical composition; UAX #15). Bytes that are not UTF-8 pass through.
#include <string>
#include <string_view>

namespace vkllm::tokenizer {

std::string to_nfc(std::string_view text);

}  // namespace vkllm::tokenizer
