// SentencePiece-style BPE on a hand-made vocabulary (tests/data/tokenizers/
// tiny_sentencepiece). Ids in the expectations, by hand from the file:
//   0 <unk>  1 <s>  2 </s>  3..258 <0x00>..<0xFF>
//   259 ▁  260 h  261 e  262 l  263 o  264 w  265 r  266 d  267 ▁h  268 ll
//   269 ▁he  270 llo  271 ▁hello  272 ▁w  273 or  274 ▁wor  275 ld  276 ▁world
//   277 é  278 ▁▁  279 !
// Merge ranks: ▁+h, l+l, ▁h+e, ll+o, ▁he+llo, ▁+w, o+r, ▁w+or, l+d, ▁wor+ld, ▁+▁.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "vkllm/error.h"

namespace {

using vkllm::tokenizer::Tokenizer;
using Ids = std::vector<int32_t>;

std::string tiny_json_text() {
    return vkllm::test::read_text_file(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
}

Tokenizer tiny_with(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(tiny_json_text());
    edit(j);
    return vkllm::tokenizer::parse_tokenizer_json(j.dump(), "tiny-edited.json");
}

}  // namespace

TEST_CASE("SentencePiece-style BPE: prepended space, merges by rank") {
    const Tokenizer t = vkllm::tokenizer::load_tokenizer_json(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
    CHECK(t.vocab_size() == 280);
    CHECK(t.encode("hello world") == Ids{271, 276});
    CHECK(t.encode("hello world", true) == Ids{1, 271, 276});
    CHECK(t.decode(Ids{271, 276}) == "hello world");
    CHECK(t.decode(Ids{1, 271, 276}, true) == "hello world");
    // ▁+w (rank 5) is taken before ▁+▁ (rank 10), leaving a lone ▁.
    CHECK(t.encode("hello  world") == Ids{271, 259, 276});
    CHECK(t.decode(Ids{271, 259, 276}) == "hello  world");
    CHECK(t.encode("!") == Ids{259, 279});
    CHECK(t.decode(Ids{259, 279}) == "!");
    CHECK(t.encode("").empty());
    CHECK(t.encode("", true) == Ids{1});
    CHECK(t.bos_id() == std::optional<int32_t>(1));
    CHECK(t.eos_id() == std::optional<int32_t>(2));
}

TEST_CASE("SentencePiece-style BPE: byte fallback for characters outside the vocabulary") {
    const Tokenizer t = vkllm::tokenizer::parse_tokenizer_json(tiny_json_text(), "tiny.json");
    // 😀 is F0 9F 98 80; <0xNN> has id 3 + NN.
    const Ids ids{267, 277, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80};
    CHECK(t.encode("hé\xF0\x9F\x98\x80") == ids);
    CHECK(t.decode(ids) == "hé\xF0\x9F\x98\x80");
    CHECK(t.token(3 + 0xF0).text == "<0xF0>");
    // A lone continuation byte decodes to U+FFFD.
    CHECK(t.decode(Ids{267, 3 + 0x98}) == "h\xEF\xBF\xBD");
}

TEST_CASE("SentencePiece-style BPE: special tokens in text, legacy space after them") {
    const Tokenizer t = vkllm::tokenizer::parse_tokenizer_json(tiny_json_text(), "tiny.json");
    CHECK(t.encode("<s>hello</s>") == Ids{1, 271, 2});
    CHECK(t.decode(Ids{1, 271, 2}) == "<s> hello</s>");
    CHECK(t.decode(Ids{1, 271, 2}, true) == "hello");
}

TEST_CASE("Metaspace pre-tokenizer with prepend_scheme first") {
    const Tokenizer t = tiny_with([](nlohmann::json& j) {
        j["normalizer"] = nullptr;
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"}, {"split", false}};
        j["decoder"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"}, {"split", false}};
    });
    CHECK(t.encode("hello world") == Ids{271, 276});
    // Only the very start of the input gets the ▁, not text after a special token.
    CHECK(t.encode("<s>hello") == Ids{1, 260, 261, 270});
    CHECK(t.decode(Ids{271, 276}) == "hello world");
}

TEST_CASE("Metaspace pre-tokenizer with split cuts words at each space") {
    const Tokenizer t = tiny_with([](nlohmann::json& j) {
        j["normalizer"] = nullptr;
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", true}};
    });
    // Words ▁hello | ▁ | ▁world: the lone ▁ can no longer merge with anything.
    CHECK(t.encode("hello  world") == Ids{271, 259, 276});
    CHECK(t.encode("hello world") == Ids{271, 276});
}

TEST_CASE("Gemma-style: spaces replaced, no prefix, nothing stripped") {
    const Tokenizer t = tiny_with([](nlohmann::json& j) {
        j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}};
        j["decoder"]["decoders"].erase(3);  // drop Strip
    });
    CHECK(t.encode("hello world") == Ids{260, 261, 270, 276});
    CHECK(t.decode(Ids{260, 261, 270, 276}) == "hello world");
    CHECK(t.decode(Ids{271}) == " hello");
}

TEST_CASE("unknown characters without byte fallback become one fused <unk>") {
    const Tokenizer t = tiny_with([](nlohmann::json& j) { j["model"]["byte_fallback"] = false; });
    CHECK(t.encode("h\xE4\xBD\xA0\xE5\xA5\xBD") == Ids{267, 0});  // h你好
}
