#pragma once
// Reading raw fixture files shared by several suites.
#include <string>
#include <vector>

namespace vkllm::test {

// A whole file of little-endian float32 values; fails the test when unreadable.
std::vector<float> read_f32_file(const std::string& path);
// A whole file as bytes (text fixtures); fails the test when unreadable.
std::string read_text_file(const std::string& path);

}  // namespace vkllm::test
