#pragma once
// The Hugging Face tokenizer fixtures in tests/data/tokenizers: compressed
// tokenizer.json files are unpacked once per test run into a temporary folder.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/tokenizer.h"

namespace vkllm::test {

std::filesystem::path tokenizer_data_dir(const std::string& name);
// A folder holding the unpacked tokenizer.json (checked against its sha256)
// and the fixture's tokenizer_config.json when it has one.
std::filesystem::path unpacked_tokenizer_dir(const std::string& name);
// Loaded once and shared by all test cases.
const tokenizer::Tokenizer& fixture_tokenizer(const std::string& name);
nlohmann::json tokenizer_reference(const std::string& name);
// The reference's "cases" array, by value (safe to range-for over directly).
nlohmann::json tokenizer_cases(const std::string& name);
std::filesystem::path scratch_dir();
std::string read_text_file(const std::filesystem::path& path);

}  // namespace vkllm::test
