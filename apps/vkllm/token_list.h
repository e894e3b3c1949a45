#pragma once
// Token ids given on the command line as "1,2,3".
#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::cli {

// Throws InputError naming `option` for an item that is not a token id, or for no ids.
std::vector<int32_t> parse_token_list(const std::string& text, const std::string& option);

}  // namespace vkllm::cli
