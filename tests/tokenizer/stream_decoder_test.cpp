// The streaming detokenizer returns only complete UTF-8 and, pieced together,
// the same text as a one-shot decode.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/utf8.h"
#include "vkllm/error.h"

namespace {

using vkllm::tokenizer::StreamDecoder;
using vkllm::tokenizer::Tokenizer;
using Ids = std::vector<int32_t>;

bool is_valid_utf8(const std::string& s) { return vkllm::tokenizer::to_valid_utf8(s) == s && s.find("\xEF\xBF\xBD") == std::string::npos; }

std::vector<std::string> stream(const Tokenizer& t, const Ids& ids, bool skip_special = true) {
    StreamDecoder decoder(t, skip_special);
    std::vector<std::string> pieces;
    for (int32_t id : ids) pieces.push_back(decoder.push(id));
    pieces.push_back(decoder.flush());
    return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
    std::string s;
    for (const auto& p : pieces) s += p;
    return s;
}

const Tokenizer& tiny_sentencepiece() {
    static const Tokenizer t =
        vkllm::tokenizer::load_tokenizer_json(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
    return t;
}

}  // namespace

TEST_CASE("streaming gpt2: an emoji split over three tokens appears only when complete") {
    const Tokenizer& t = vkllm::test::fixture_tokenizer("gpt2");
    const std::string pizza = "\xF0\x9F\x8D\x95";
    const Ids ids = t.encode(" " + pizza);  // " 🍕" is ids 12520 ("Ġ" + F0 9F), 235, 243
    REQUIRE(ids == Ids{12520, 235, 243});
    const auto pieces = stream(t, ids);
    CHECK(pieces == std::vector<std::string>{" ", "", pizza, ""});
}

TEST_CASE("streaming equals one-shot decode for every reference string") {
    for (const char* name : {"gpt2", "qwen3"}) {
        const Tokenizer& t = vkllm::test::fixture_tokenizer(name);
        for (const auto& c : vkllm::test::tokenizer_cases(name)) {
            const Ids ids = c["ids_with_special"].get<Ids>();
            CAPTURE(c["text"].get<std::string>());
            for (bool skip : {false, true}) {
                const auto pieces = stream(t, ids, skip);
                for (const auto& piece : pieces) CHECK(is_valid_utf8(piece));
                CHECK(joined(pieces) == t.decode(ids, skip));
            }
        }
    }
}

TEST_CASE("streaming CJK through gpt2 byte tokens") {
    const Tokenizer& t = vkllm::test::fixture_tokenizer("gpt2");
    const std::string text = "你好，世界！今天天气很好。";
    const Ids ids = t.encode(text);
    const auto pieces = stream(t, ids);
    int held = 0;
    for (const auto& piece : pieces) {
        CHECK(is_valid_utf8(piece));
        held += piece.empty();
    }
    CHECK(held > 0);  // some tokens end inside a character
    CHECK(joined(pieces) == text);
}

TEST_CASE("streaming byte-fallback tokens and the leading-space strip") {
    const Tokenizer& t = tiny_sentencepiece();
    // ▁h, é, then 😀 as four <0xNN> tokens.
    const Ids ids{267, 277, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80};
    CHECK(stream(t, ids) == std::vector<std::string>{"h", "é", "", "", "", "\xF0\x9F\x98\x80", ""});
    // BOS skipped, the first space still stripped once; the lone ▁ later stays.
    CHECK(stream(t, Ids{1, 271, 259, 276}) == std::vector<std::string>{"", "hello", " ", " world", ""});
}

TEST_CASE("streaming: leftovers at the end and broken sequences become U+FFFD") {
    const Tokenizer& t = tiny_sentencepiece();
    StreamDecoder decoder(t);
    CHECK(decoder.push(267) == "h");
    CHECK(decoder.push(3 + 0xE4) == "");
    CHECK(decoder.push(3 + 0xBD) == "");
    CHECK(decoder.has_pending());
    CHECK(decoder.flush() == "\xEF\xBF\xBD");
    CHECK_FALSE(decoder.has_pending());
    // A start byte followed by an ASCII token: replacement, then the text.
    CHECK(decoder.push(3 + 0xF0) == "");
    CHECK(decoder.push(279) == "\xEF\xBF\xBD!");
    CHECK_THROWS_AS(decoder.push(280), vkllm::InputError);
}
