// Tokenizers built from GGUF-style metadata (plain vectors) must agree with
// the same vocabulary loaded from tokenizer.json.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "vkllm/error.h"

namespace {

using vkllm::tokenizer::GgufTokenizerMetadata;
using vkllm::tokenizer::Tokenizer;
using Ids = std::vector<int32_t>;

// Lays a tokenizer.json out the way a GGUF file stores it.
GgufTokenizerMetadata metadata_from_json(const nlohmann::json& j, const std::string& model) {
    GgufTokenizerMetadata m;
    m.source = "test.gguf";
    m.model = model;
    std::size_t size = j["model"]["vocab"].size();
    for (const auto& added : j["added_tokens"]) size = std::max<std::size_t>(size, added["id"].get<std::size_t>() + 1);
    m.tokens.resize(size);
    m.token_types.assign(size, 1);
    for (auto it = j["model"]["vocab"].begin(); it != j["model"]["vocab"].end(); ++it) m.tokens[it.value().get<std::size_t>()] = it.key();
    for (const auto& added : j["added_tokens"]) {
        m.tokens[added["id"].get<std::size_t>()] = added["content"];
        m.token_types[added["id"].get<std::size_t>()] = added["special"].get<bool>() ? 3 : 4;
    }
    for (const auto& merge : j["model"]["merges"])
        m.merges.push_back(merge.is_string() ? merge.get<std::string>() : merge[0].get<std::string>() + " " + merge[1].get<std::string>());
    return m;
}

void check_against_reference(const Tokenizer& t, const std::string& name) {
    for (const auto& c : vkllm::test::tokenizer_cases(name)) {
        const std::string text = c["text"];
        CAPTURE(text);
        CHECK(t.encode(text) == c["ids"].get<Ids>());
        CHECK(t.decode(c["ids"].get<Ids>()) == c["decoded"].get<std::string>());
    }
}

nlohmann::json fixture_json(const std::string& name) {
    return nlohmann::json::parse(vkllm::test::read_text_file(vkllm::test::unpacked_tokenizer_dir(name) / "tokenizer.json"));
}

}  // namespace

TEST_CASE("GGUF gpt2 metadata reproduces the GPT-2 references") {
    GgufTokenizerMetadata m = metadata_from_json(fixture_json("gpt2"), "gpt2");
    m.pre = "gpt2";
    const Tokenizer t = vkllm::tokenizer::from_gguf_metadata(m);
    check_against_reference(t, "gpt2");
    CHECK(t.eos_id() == std::optional<int32_t>(50256));
    CHECK(t.encode("hi", true) == t.encode("hi", false));
}

TEST_CASE("GGUF gpt2 metadata with the qwen2 pre-tokenizer reproduces the Qwen3 references") {
    GgufTokenizerMetadata m = metadata_from_json(fixture_json("qwen3"), "gpt2");
    m.pre = "qwen2";
    check_against_reference(vkllm::tokenizer::from_gguf_metadata(m), "qwen3");
}

TEST_CASE("GGUF llama metadata: merges follow the scores") {
    const nlohmann::json j = nlohmann::json::parse(
        vkllm::test::read_text_file(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json"));
    GgufTokenizerMetadata m = metadata_from_json(j, "llama");
    m.merges.clear();
    // Score of each merge result: earlier merge, higher score. Bytes are type 6.
    m.scores.assign(m.tokens.size(), -1000.0f);
    const std::vector<int> merged_in_rank_order{267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 278};
    for (std::size_t r = 0; r < merged_in_rank_order.size(); ++r) m.scores[merged_in_rank_order[r]] = -static_cast<float>(r);
    for (int b = 0; b < 256; ++b) m.token_types[3 + b] = 6;
    m.token_types[0] = 2;
    m.bos_id = 1;
    m.eos_id = 2;
    const Tokenizer t = vkllm::tokenizer::from_gguf_metadata(m);
    CHECK(t.encode("hello world") == Ids{271, 276});
    CHECK(t.encode("hello world", true) == Ids{1, 271, 276});
    CHECK(t.encode("hello  world") == Ids{271, 259, 276});
    CHECK(t.encode("hé\xF0\x9F\x98\x80") == Ids{267, 277, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80});
    CHECK(t.encode("<s>hello</s>") == Ids{1, 271, 2});
    CHECK(t.decode(Ids{1, 271, 276, 2}, true) == "hello world");
}

TEST_CASE("GGUF metadata errors name the key") {
    GgufTokenizerMetadata m;
    m.source = "bad.gguf";
    m.model = "llama";
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::from_gguf_metadata(m), doctest::Contains("tokenizer.ggml.tokens"), vkllm::InputError);
    m.tokens = {"a", "b"};
    m.scores = {0.0f};
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::from_gguf_metadata(m), doctest::Contains("tokenizer.ggml.scores"), vkllm::InputError);
    m.scores = {0.0f, 0.0f};
    m.bos_id = 7;
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::from_gguf_metadata(m), doctest::Contains("bos_token_id"), vkllm::InputError);
    m.bos_id.reset();
    m.model = "wordpiece";
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::from_gguf_metadata(m), doctest::Contains("tokenizer.ggml.model"), vkllm::InputError);
    m.model = "gpt2";
    m.pre = "mystery";
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::from_gguf_metadata(m), doctest::Contains("tokenizer.ggml.pre"), vkllm::InputError);
}
