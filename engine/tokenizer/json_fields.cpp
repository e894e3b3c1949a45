#include "tokenizer/json_fields.h"

#include "vkllm/error.h"

namespace vkllm::tokenizer::json_fields {

void Where::fail(const std::string& message) const {
    throw InputError(source + ": " + (path.empty() ? std::string("top level") : path) + ": " + message);
}

bool has(const json& object, const char* key) {
    if (!object.is_object()) return false;
    auto it = object.find(key);
    return it != object.end() && !it->is_null();
}

const json& require(const json& object, const char* key, const Where& where) {
    require_object(object, where);
    auto it = object.find(key);
    if (it == object.end()) where.at(key).fail("missing");
    return *it;
}

const json& require_object(const json& value, const Where& where) {
    if (!value.is_object()) where.fail("expected an object");
    return value;
}

const json& require_array(const json& value, const Where& where) {
    if (!value.is_array()) where.fail("expected an array");
    return value;
}

std::string require_string(const json& value, const Where& where) {
    if (!value.is_string()) where.fail("expected a string");
    return value.get<std::string>();
}

int64_t require_int(const json& value, const Where& where) {
    if (!value.is_number_integer()) where.fail("expected an integer");
    return value.get<int64_t>();
}

bool bool_or(const json& object, const char* key, bool fallback, const Where& where) {
    if (!has(object, key)) return fallback;
    const json& value = object.at(key);
    if (!value.is_boolean()) where.at(key).fail("expected true or false");
    return value.get<bool>();
}

std::string string_or(const json& object, const char* key, const std::string& fallback, const Where& where) {
    if (!has(object, key)) return fallback;
    return require_string(object.at(key), where.at(key));
}

int64_t int_or(const json& object, const char* key, int64_t fallback, const Where& where) {
    if (!has(object, key)) return fallback;
    return require_int(object.at(key), where.at(key));
}

}  // namespace vkllm::tokenizer::json_fields
