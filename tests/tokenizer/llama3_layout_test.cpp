// The Llama 3 tokenizer.json layout on the GPT-2 vocabulary: a Split with the
// Llama 3 word regex followed by a regex-free ByteLevel step, ignore_merges,
// and a ByteLevel + TemplateProcessing post-processor adding a BOS. The GPT-2
// tokenizer itself provides the expected ids of each word.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "tokenizer/pre_tokenizer.h"

namespace {

using Ids = std::vector<int32_t>;

Ids concat(std::initializer_list<Ids> parts) {
    Ids all;
    for (const Ids& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}

}  // namespace

TEST_CASE("Llama 3 layout: digit groups of three, BOS from the template") {
    nlohmann::json j = nlohmann::json::parse(
        vkllm::test::read_text_file(vkllm::test::unpacked_tokenizer_dir("gpt2") / "tokenizer.json"));
    const nlohmann::json split = {{"type", "Split"},
                                  {"pattern", {{"Regex", vkllm::tokenizer::kLlama3WordPattern}}},
                                  {"behavior", "Isolated"},
                                  {"invert", false}};
    const nlohmann::json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}};
    j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", nlohmann::json::array({split, byte_level})}};
    j["post_processor"] = nlohmann::json::parse(R"({"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [],
         "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [50256], "tokens": ["<|endoftext|>"]}}}]})");
    j["model"]["ignore_merges"] = true;
    const auto llama3_style = vkllm::tokenizer::parse_tokenizer_json(j.dump(), "llama3-style.json");
    const auto& gpt2 = vkllm::test::fixture_tokenizer("gpt2");

    CHECK(llama3_style.encode("1234567") == concat({gpt2.encode("123"), gpt2.encode("456"), gpt2.encode("7")}));
    CHECK(llama3_style.encode("1234567", true) == concat({{50256}, gpt2.encode("123"), gpt2.encode("456"), gpt2.encode("7")}));
    CHECK(llama3_style.bos_id() == std::optional<int32_t>(50256));
    // Newline runs stay together.
    CHECK(llama3_style.encode("I'll go") == concat({gpt2.encode("I"), gpt2.encode("'ll"), gpt2.encode(" go")}));
    CHECK(llama3_style.encode("line\n\nnext") == concat({gpt2.encode("line"), gpt2.encode("\n\n"), gpt2.encode("next")}));
    const std::string text = "Hello, world! This is a simple test sentence.";
    CHECK(llama3_style.decode(llama3_style.encode(text, true), true) == text);
}

TEST_CASE("Llama 3 word regex cuts as documented") {
    const vkllm::tokenizer::SplitPreTokenizer split(
        vkllm::tokenizer::Regex(vkllm::tokenizer::kLlama3WordPattern, "test"), vkllm::tokenizer::SplitBehavior::Isolated, false);
    auto words = [&](std::string_view text) {
        std::vector<std::string_view> out;
        split.split_one(text, out);
        return std::vector<std::string>(out.begin(), out.end());
    };
    using W = std::vector<std::string>;
    CHECK(words("I'LL go") == W{"I", "'LL", " go"});  // contractions ignore case
    CHECK(words("1234567") == W{"123", "456", "7"});
    CHECK(words("(hello") == W{"(hello"});  // one non-letter may lead a letter run
    CHECK(words("a  b") == W{"a", " ", " b"});
    CHECK(words("x\n\n  y") == W{"x", "\n\n", " ", " y"});
}
