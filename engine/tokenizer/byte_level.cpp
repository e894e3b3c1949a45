#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace vkllm::tokenizer {

namespace {

bool stands_for_itself(unsigned b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
    std::array<std::string, 256> text_of_byte;
    std::array<int, 324> byte_of_codepoint;  // the alphabet's code points are all < 324

    Alphabet() {
        byte_of_codepoint.fill(-1);
        unsigned next_extra = 256;
        for (unsigned b = 0; b < 256; ++b) {
            const char32_t cp = stands_for_itself(b) ? b : next_extra++;
            append_utf8(text_of_byte[b], cp);
            byte_of_codepoint[cp] = static_cast<int>(b);
        }
    }
};

const Alphabet& alphabet() {
    static const Alphabet instance;
    return instance;
}

}  // namespace

const std::string& byte_level_char(unsigned char byte) { return alphabet().text_of_byte[byte]; }

std::optional<std::string> byte_level_to_bytes(std::string_view text) {
    const Alphabet& a = alphabet();
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t length = 0;
        const char32_t cp = decode_utf8(text, pos, length);
        if (cp >= a.byte_of_codepoint.size() || a.byte_of_codepoint[cp] < 0) return std::nullopt;
        out.push_back(static_cast<char>(a.byte_of_codepoint[cp]));
        pos += length;
    }
    return out;
}

std::string bytes_to_byte_level(std::string_view bytes) {
    std::string out;
    for (unsigned char b : bytes) out += byte_level_char(b);
    return out;
}

}  // namespace vkllm::tokenizer
