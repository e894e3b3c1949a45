#pragma once
// Small UTF-8 helpers shared by the tokenizers and the streaming detokenizer.
#include <cstddef>
#include <string>
#include <string_view>

namespace vkllm::tokenizer {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

enum class Utf8Status { Valid, Invalid, Truncated };

struct Utf8Step {
    Utf8Status status;
    // Valid: bytes of the character. Invalid: bytes of the maximal invalid
    // subpart (always >= 1), replaced by one U+FFFD. Truncated: bytes present
    // of a sequence that could still become valid with more input.
    std::size_t length;
};

// Examines the character starting at text[pos] (pos < text.size()).
Utf8Step next_utf8(std::string_view text, std::size_t pos);

// Replaces every maximal invalid subpart with U+FFFD (also a truncated tail).
std::string to_valid_utf8(std::string_view bytes);

void append_utf8(std::string& out, char32_t codepoint);

// Decodes a well-formed character at text[pos]; returns its code point and
// sets `length`. Malformed input yields U+FFFD with length 1.
char32_t decode_utf8(std::string_view text, std::size_t pos, std::size_t& length);

}  // namespace vkllm::tokenizer
