// Every case of the Hugging Face tokenizer references whose tokenizer file is
// shipped: ids, ids with specials, token spellings and both decodings, exact.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"

namespace {

using vkllm::test::fixture_tokenizer;
using vkllm::test::tokenizer_reference;

std::vector<int32_t> ids_of(const nlohmann::json& value) { return value.get<std::vector<int32_t>>(); }

void check_all_cases(const std::string& name) {
    const auto& tokenizer = fixture_tokenizer(name);
    const nlohmann::json reference = tokenizer_reference(name);
    CHECK(tokenizer.vocab_size() == reference["vocab_size_with_added_tokens"].get<std::size_t>());
    int checked = 0;
    for (const auto& c : reference["cases"]) {
        const std::string text = c["text"];
        CAPTURE(text);
        const std::vector<int32_t> ids = ids_of(c["ids"]);
        CHECK(tokenizer.encode(text, false) == ids);
        CHECK(tokenizer.encode(text, true) == ids_of(c["ids_with_special"]));
        std::vector<std::string> spellings;
        for (int32_t id : ids) spellings.push_back(tokenizer.token(id).text);
        CHECK(spellings == c["tokens"].get<std::vector<std::string>>());
        CHECK(tokenizer.decode(ids, false) == c["decoded"].get<std::string>());
        CHECK(tokenizer.decode(ids_of(c["ids_with_special"]), true) ==
              c["decoded_with_special_skip_special"].get<std::string>());
        ++checked;
    }
    CHECK(checked == 21);
}

}  // namespace

TEST_CASE("gpt2 byte-level BPE matches every reference case") { check_all_cases("gpt2"); }

TEST_CASE("qwen3 byte-level BPE matches every reference case") { check_all_cases("qwen3"); }

TEST_CASE("special tokens found in text are never split") {
    const auto& qwen = fixture_tokenizer("qwen3");
    const auto ids = qwen.encode("<|im_start|>user\nhi<|im_end|>", false);
    REQUIRE(ids.size() >= 3);
    CHECK(ids.front() == 151644);
    CHECK(ids.back() == 151645);
    CHECK(qwen.is_special(151644));
    CHECK(qwen.decode(ids, true) == "user\nhi");
    CHECK(qwen.eos_id() == std::optional<int32_t>(151645));  // tokenizer_config.json names <|im_end|>
}
