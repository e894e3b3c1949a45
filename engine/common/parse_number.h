#pragma once
// Checked number parsing for values a user types (command-line options,
// environment variables): the whole text must be the number, no sign where
// none is allowed, no overflow. Returns nullopt instead of throwing, so the
// caller writes the message naming the option and the value.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vkllm {

// Decimal digits only ("0", "42"); nullopt for "", "-1", "+1", "1x" or a value past 2^64 - 1.
inline std::optional<uint64_t> parse_unsigned(std::string_view text) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A finite decimal number ("0.5", "-2", "1e3"); nullopt for "", "nan", "inf", "1x".
inline std::optional<double> parse_finite(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

}  // namespace vkllm
