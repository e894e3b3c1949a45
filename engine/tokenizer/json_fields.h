#pragma once
// Checked access to JSON fields: every failure is an InputError that names the
// file and the field path.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace vkllm::tokenizer::json_fields {

using nlohmann::json;

struct Where {
    const std::string& source;
    std::string path;
    Where at(const std::string& key) const { return {source, path.empty() ? key : path + "." + key}; }
    Where at(std::size_t index) const { return {source, path + "[" + std::to_string(index) + "]"}; }
    [[noreturn]] void fail(const std::string& message) const;
};

const json& require(const json& object, const char* key, const Where& where);
const json& require_object(const json& value, const Where& where);
const json& require_array(const json& value, const Where& where);
std::string require_string(const json& value, const Where& where);
int64_t require_int(const json& value, const Where& where);
// Missing or null gives the fallback; a present value of the wrong type fails.
bool bool_or(const json& object, const char* key, bool fallback, const Where& where);
std::string string_or(const json& object, const char* key, const std::string& fallback, const Where& where);
int64_t int_or(const json& object, const char* key, int64_t fallback, const Where& where);
bool has(const json& object, const char* key);  // present and not null

}  // namespace vkllm::tokenizer::json_fields
