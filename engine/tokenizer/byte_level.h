#pragma once
// The GPT-2 byte-level alphabet: every byte is shown as a printable code point
// so that vocabularies can be stored as text. Printable Latin-1 bytes stand for
// themselves; the other 68 bytes map to U+0100 upward in byte order.
#include <optional>
#include <string>
#include <string_view>

namespace vkllm::tokenizer {

// UTF-8 text of the code point that stands for `byte`.
const std::string& byte_level_char(unsigned char byte);

// Turns byte-level text back into raw bytes; nullopt if some character is not
// part of the alphabet.
std::optional<std::string> byte_level_to_bytes(std::string_view text);

std::string bytes_to_byte_level(std::string_view bytes);

}  // namespace vkllm::tokenizer
