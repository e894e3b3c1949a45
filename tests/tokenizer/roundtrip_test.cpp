// decode(encode(text)) gives the text back for any valid UTF-8 (the fixture
// tokenizers are lossless), and broken UTF-8 comes back with U+FFFD in place
// of each broken sequence, never an exception.
#include <doctest/doctest.h>

#include <cstdint>

#include "tokenizer/fixture_files.h"
#include "tokenizer/utf8.h"

namespace {

// Deterministic mixture of ASCII words, spaces, digits, punctuation, accented
// Latin, CJK, emoji and (optionally) stray bytes that are not UTF-8.
std::string mixed_text(uint64_t seed, std::size_t pieces, bool with_invalid_bytes) {
    static const char* const parts[] = {"the", " quick", " brown", "  ", "\n", "\t", "42", "3.14", "!?", "'s", "'LL",
                                        "caf\xC3\xA9", " \xC3\x85ngstr\xC3\xB6m", "\xE4\xBD\xA0\xE5\xA5\xBD", "\xE3\x80\x82",
                                        "\xF0\x9F\x8D\x95", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "<|endoftext|>", "<s>", " x"};
    static const char* const invalid[] = {"\xFF", "\xC3", "\xE4\xBD", "\x80", "\xED\xA0\x80"};
    std::string text;
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (std::size_t i = 0; i < pieces; ++i) {
        if (with_invalid_bytes && next() % 7 == 0)
            text += invalid[next() % std::size(invalid)];
        else
            text += parts[next() % std::size(parts)];
    }
    return text;
}

}  // namespace

TEST_CASE("byte-level round trip on mixed text") {
    for (const char* name : {"gpt2", "qwen3"}) {
        const auto& t = vkllm::test::fixture_tokenizer(name);
        for (uint64_t seed = 1; seed <= 40; ++seed) {
            const std::string text = mixed_text(seed, 60, false);
            CAPTURE(name);
            CAPTURE(seed);
            CHECK(t.decode(t.encode(text)) == text);
            const std::string broken = mixed_text(seed, 60, true);
            CHECK(t.decode(t.encode(broken)) == vkllm::tokenizer::to_valid_utf8(broken));
        }
    }
}

TEST_CASE("SentencePiece-style round trip on mixed text") {
    const auto t = vkllm::tokenizer::load_tokenizer_json(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        // Text right after "<s>" gets the legacy ▁ prefix, which decoding keeps.
        std::string text = mixed_text(seed, 60, false);
        for (std::size_t pos; (pos = text.find("<s>")) != std::string::npos;) text.erase(pos, 3);
        CAPTURE(seed);
        CHECK(t.decode(t.encode(text)) == text);
    }
}

TEST_CASE("one long word with no pre-tokenizer cuts is still encoded quickly") {
    const auto t = vkllm::tokenizer::load_tokenizer_json(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "hello world ";
    const auto ids = t.encode(text);
    CHECK(ids.size() == 40001);  // ▁hello ▁world per repeat, then the final lone ▁
    CHECK(t.decode(ids) == text);
}
