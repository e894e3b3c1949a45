#include "model/hf_json.h"

#include <cmath>

#include "vkllm/error.h"

namespace vkllm {

const nlohmann::json* HfJson::value(const std::string& key) const {
    if (!root_.is_object()) return nullptr;
    auto it = root_.find(key);
    if (it == root_.end() || it->is_null()) return nullptr;
    return &*it;
}

const char* HfJson::first_present(std::initializer_list<const char*> keys) const {
    for (const char* key : keys)
        if (has(key)) return key;
    return nullptr;
}

void HfJson::fail(const std::string& key, const std::string& what) const {
    throw InputError(path_ + ": '" + prefix_ + key + "': " + what);
}

namespace {
uint32_t as_u32(const HfJson& j, const std::string& key, const nlohmann::json& v) {
    if (v.is_number_unsigned() && v.get<uint64_t>() <= 0xFFFFFFFFull) return uint32_t(v.get<uint64_t>());
    // Some configs write integral values as floats (e.g. 4096.0).
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (d >= 0 && d <= 4294967295.0 && std::floor(d) == d) return uint32_t(d);
    }
    j.fail(key, "expected a non-negative 32-bit integer, got " + v.dump());
}
}  // namespace

uint32_t HfJson::u32(std::initializer_list<const char*> keys) const {
    const char* key = first_present(keys);
    if (!key) {
        std::string names;
        for (const char* k : keys) names += (names.empty() ? "" : "' or '") + std::string(k);
        fail(names, "missing");
    }
    return as_u32(*this, key, *value(key));
}

uint32_t HfJson::u32_or(const std::string& key, uint32_t fallback) const {
    const nlohmann::json* v = value(key);
    return v ? as_u32(*this, key, *v) : fallback;
}

double HfJson::number_or(const std::string& key, double fallback) const {
    const nlohmann::json* v = value(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(key, "expected a number, got " + v->dump());
    return v->get<double>();
}

bool HfJson::flag_or(const std::string& key, bool fallback) const {
    const nlohmann::json* v = value(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(key, "expected true or false, got " + v->dump());
    return v->get<bool>();
}

std::string HfJson::string_or(const std::string& key, const std::string& fallback) const {
    const nlohmann::json* v = value(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(key, "expected a string, got " + v->dump());
    return v->get<std::string>();
}

HfJson HfJson::child(const std::string& key) const {
    const nlohmann::json* v = value(key);
    if (v && !v->is_object()) fail(key, "expected an object, got " + v->dump());
    HfJson out(v ? *v : nlohmann::json::object(), path_);
    out.prefix_ = prefix_ + key + ".";
    return out;
}

}  // namespace vkllm
