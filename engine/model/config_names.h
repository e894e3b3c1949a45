#pragma once
// The spelling of each ModelConfig enum in TOML files, messages and `vkllm info`.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/config.h"

namespace vkllm {

// Every value of E with its spelling, in declaration order.
template <class E>
const std::vector<std::pair<E, std::string_view>>& enum_spellings();

template <>
const std::vector<std::pair<NormType, std::string_view>>& enum_spellings<NormType>();
template <>
const std::vector<std::pair<PositionEncoding, std::string_view>>& enum_spellings<PositionEncoding>();
template <>
const std::vector<std::pair<RopeScaling, std::string_view>>& enum_spellings<RopeScaling>();
template <>
const std::vector<std::pair<RopeStyle, std::string_view>>& enum_spellings<RopeStyle>();
template <>
const std::vector<std::pair<Activation, std::string_view>>& enum_spellings<Activation>();
template <>
const std::vector<std::pair<BlockLayout, std::string_view>>& enum_spellings<BlockLayout>();
template <>
const std::vector<std::pair<RouterType, std::string_view>>& enum_spellings<RouterType>();
template <>
const std::vector<std::pair<CapacityOverflow, std::string_view>>& enum_spellings<CapacityOverflow>();
template <>
const std::vector<std::pair<ModelKind, std::string_view>>& enum_spellings<ModelKind>();
template <>
const std::vector<std::pair<Pooling, std::string_view>>& enum_spellings<Pooling>();

template <class E>
std::string_view to_string(E value) {
    for (const auto& [v, name] : enum_spellings<E>())
        if (v == value) return name;
    return "?";
}

template <class E>
std::optional<E> enum_from_string(std::string_view text) {
    for (const auto& [v, name] : enum_spellings<E>())
        if (name == text) return v;
    return std::nullopt;
}

// "'a', 'b' or 'c'", for messages.
template <class E>
std::string enum_choices() {
    const auto& all = enum_spellings<E>();
    std::string out;
    for (size_t i = 0; i < all.size(); ++i) {
        if (i > 0) out += (i + 1 == all.size()) ? " or " : ", ";
        out.append(1, '\'').append(all[i].second).append(1, '\'');
    }
    return out;
}

}  // namespace vkllm
