// Broken tokenizer.json files give an InputError naming the file and field.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "vkllm/error.h"

namespace {

nlohmann::json tiny() {
    return nlohmann::json::parse(
        vkllm::test::read_text_file(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json"));
}

void check_rejected(const nlohmann::json& j, const std::string& expected_part) {
    CAPTURE(expected_part);
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::parse_tokenizer_json(j.dump(), "broken.json"),
                         doctest::Contains(expected_part.c_str()), vkllm::InputError);
}

}  // namespace

TEST_CASE("malformed tokenizer.json is an InputError") {
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::parse_tokenizer_json("{\"model\": ", "broken.json"),
                         doctest::Contains("broken.json: JSON syntax error at line 1, column"), vkllm::InputError);
    // The line and column of the error, counted from 1.
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::parse_tokenizer_json("{\n  \"model\": x\n}", "broken.json"),
                         doctest::Contains("broken.json: JSON syntax error at line 2, column 12:"), vkllm::InputError);
    CHECK_THROWS_WITH_AS(vkllm::tokenizer::parse_tokenizer_json("[]", "broken.json"), doctest::Contains("broken.json"),
                         vkllm::InputError);
    CHECK_THROWS_AS(vkllm::tokenizer::load_tokenizer_json(vkllm::test::scratch_dir() / "absent.json"), vkllm::InputError);

    auto j = tiny();
    j.erase("model");
    check_rejected(j, "model: missing");

    j = tiny();
    j["model"]["type"] = "Unigram";
    check_rejected(j, "model.type");

    j = tiny();
    j["model"]["vocab"]["h"] = "260";
    check_rejected(j, "model.vocab.h: expected an integer");

    j = tiny();
    j["model"]["vocab"]["h"] = 1 << 30;
    check_rejected(j, "out of range");

    j = tiny();
    j["model"]["vocab"]["h"] = 261;
    check_rejected(j, "used twice");

    j = tiny();
    j["model"]["merges"][3] = "ll";
    check_rejected(j, "model.merges[3]");

    j = tiny();
    j["model"]["merges"][0] = nlohmann::json::array({"\u2581", "zz"});
    check_rejected(j, "model.merges[0]: merge uses a token that is not in the vocabulary");

    j = tiny();
    j["model"]["merges"] = 5;
    check_rejected(j, "model.merges: expected an array");

    j = tiny();
    j["model"]["unk_token"] = "<nope>";
    check_rejected(j, "model.unk_token");

    j = tiny();
    j["added_tokens"][1]["id"] = -3;
    check_rejected(j, "added_tokens[1].id");

    j = tiny();
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    check_rejected(j, "cannot compile regex");

    j = tiny();
    j["pre_tokenizer"] = {{"type", "Whitespace"}};
    check_rejected(j, "pre_tokenizer.type: pre_tokenizer 'Whitespace' is not supported");

    j = tiny();
    j["normalizer"] = {{"type", "Lowercase"}};
    check_rejected(j, "normalizer.type");

    j = tiny();
    j["post_processor"]["single"][0]["SpecialToken"]["id"] = "<bos>";
    check_rejected(j, "post_processor.special_tokens.<bos>: missing");

    j = tiny();
    j["post_processor"]["special_tokens"]["<s>"]["ids"] = {900};
    check_rejected(j, "post-processor id 900 is not in the vocabulary (size 280)");

    j = tiny();
    j["decoder"]["decoders"][3]["stop"] = 1;
    check_rejected(j, "decoder.decoders[3].stop");
}

TEST_CASE("hostile tokenizer.json: deep nesting and huge ids are refused") {
    auto j = tiny();
    nlohmann::json nested = {{"type", "Prepend"}, {"prepend", "x"}};
    for (int i = 0; i < 200; ++i) nested = {{"type", "Sequence"}, {"normalizers", nlohmann::json::array({nested})}};
    j["normalizer"] = nested;
    check_rejected(j, "nested more than");

    j = tiny();
    j["added_tokens"][2]["id"] = 5000000;  // would need a five-million-entry table
    check_rejected(j, "added_tokens[2].id: token id 5000000 is out of range");
}
