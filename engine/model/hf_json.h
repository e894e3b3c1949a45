#pragma once
// Typed access to a Hugging Face config.json with messages that name the file
// and the key. A key holding JSON null counts as absent (transformers writes
// null for unset options).
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace vkllm {

class HfJson {
public:
    HfJson(nlohmann::json root, std::string path) : root_(std::move(root)), path_(std::move(path)) {}

    const std::string& path() const { return path_; }
    const nlohmann::json& root() const { return root_; }

    bool has(const std::string& key) const { return value(key) != nullptr; }
    // Present, non-null value of `key`, or nullptr.
    const nlohmann::json* value(const std::string& key) const;
    // First key of `keys` that is present (nullptr if none).
    const char* first_present(std::initializer_list<const char*> keys) const;

    uint32_t u32(std::initializer_list<const char*> keys) const;  // required: first present key
    uint32_t u32_or(const std::string& key, uint32_t fallback) const;
    double number_or(const std::string& key, double fallback) const;
    bool flag_or(const std::string& key, bool fallback) const;
    std::string string_or(const std::string& key, const std::string& fallback) const;

    [[noreturn]] void fail(const std::string& key, const std::string& what) const;

    // Reads from a nested object (rope_parameters, rope_scaling) with the same rules.
    HfJson child(const std::string& key) const;

private:
    nlohmann::json root_;
    std::string path_;
    std::string prefix_;  // "rope_parameters." for nested objects, for messages
};

}  // namespace vkllm
