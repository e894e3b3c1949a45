// Response bodies (serve/openai_response.h): embeddings as floats and as
// base64 of little-endian float32 (checked against Python's
// base64.b64encode(struct.pack('<3f', 1.0, -2.0, 0.5))), and the shapes of
// top log-probabilities for chat and completions.
#include <doctest/doctest.h>

#include "serve/openai_response.h"

using namespace vkllm::serve;
using json = nlohmann::json;

TEST_CASE("embeddings: floats or base64, one object per input, usage") {
    CHECK(base64_floats({}) == "");
    CHECK(base64_floats({1.0f}) == "AACAPw==");
    CHECK(base64_floats({1.0f, -2.0f}) == "AACAPwAAAMA=");
    CHECK(base64_floats({1.0f, -2.0f, 0.5f}) == "AACAPwAAAMAAAAA/");
    const json f = embeddings_json("m", {{1.0f, -2.0f}, {0.5f}}, false, 7);
    CHECK(f["object"] == "list");
    CHECK(f["model"] == "m");
    REQUIRE(f["data"].size() == 2);
    CHECK(f["data"][1]["index"] == 1);
    CHECK(f["data"][1]["object"] == "embedding");
    CHECK(f["data"][0]["embedding"] == json::array({1.0, -2.0}));
    CHECK(f["usage"] == json{{"prompt_tokens", 7}, {"total_tokens", 7}});
    CHECK(embeddings_json("m", {{1.0f, -2.0f}}, true, 2)["data"][0]["embedding"] == "AACAPwAAAMA=");
}

TEST_CASE("top log-probabilities: chat's list per token, completions' {text: logprob} per token") {
    const std::vector<TokenLogprob> entries = {{"a", -0.1f, 0, {{"a", -0.1f}, {"b", -2.5f}}}, {"é", -0.3f, 1, {{"é", -0.3f}, {"é", -4.0f}}}};
    const json chat = chat_logprobs_json(entries);
    REQUIRE(chat["content"].size() == 2);
    CHECK(chat["content"][0]["top_logprobs"][1] == json{{"token", "b"}, {"logprob", -2.5f}, {"bytes", {98}}});
    CHECK(chat["content"][1]["bytes"] == json::array({0xc3, 0xa9}));
    const json comp = completion_logprobs_json(entries, 4, true);
    CHECK(comp["tokens"] == json::array({"a", "é"}));
    CHECK(comp["text_offset"] == json::array({4, 5}));
    CHECK(comp["top_logprobs"][0] == json{{"a", -0.1f}, {"b", -2.5f}});
    CHECK(comp["top_logprobs"][1] == json{{"é", -0.3f}});  // two tokens of one text: the likelier
    CHECK(completion_logprobs_json(entries, 0, false)["top_logprobs"].is_null());
}
