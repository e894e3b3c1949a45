#pragma once
// Stop strings: whether generated text, just grown by a piece, now contains one.
#include <string>
#include <vector>

namespace vkllm::runtime {

// Only the window the new piece can complete is searched (the text before it was checked already).
bool ends_in_stop(const std::string& text, size_t piece_size, const std::vector<std::string>& stops);

}  // namespace vkllm::runtime
