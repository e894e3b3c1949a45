// OpenAI request bodies → engine requests (serve/openai_request.h) on the
// shipped model's tokenizer: fields carried into the requests, choices with
// consecutive seeds, top log-probabilities, embedding inputs, and each bad
// input refused with a 400 naming the field.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "serve/api_error.h"
#include "serve/openai_request.h"
#include "tokenizer/tokenizer.h"

using namespace vkllm;
using namespace vkllm::serve;
using json = nlohmann::json;

namespace {

struct Served {
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(VKLLM_SOURCE_DIR "/models/default/tokenizer.json");
    ServedModel model;
    Served() {
        model.id = "default";
        model.context = 64;
        model.vocab = 4096;
        model.tokenizer = &tok;
        model.max_n = 4;
    }
};

// The param of the 400 a body gets.
std::string refused(const json& body, const ServedModel& m, bool chat = true) {
    try {
        chat ? parse_chat_request(body, m) : parse_completion_request(body, m);
    } catch (const ApiError& e) {
        CHECK(e.status() == 400);
        const json body = e.body();
        const json& p = body["error"]["param"];
        return p.is_null() ? "(none)" : p.get<std::string>();
    }
    return "(accepted)";
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("chat and completion requests become engine requests") {
    Served s;
    const json chat = {{"model", "default"}, {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}}},
                       {"temperature", 0.5}, {"top_p", 0.9}, {"max_tokens", 7}, {"n", 3}, {"seed", 41}, {"stop", {"x", "y"}},
                       {"presence_penalty", 0.5}, {"frequency_penalty", -0.5}, {"logprobs", true}, {"stream", true},
                       {"stream_options", {{"include_usage", true}}}};
    GenerationSpec spec = parse_chat_request(chat, s.model);
    REQUIRE(spec.requests.size() == 3);
    CHECK(spec.stream);
    CHECK(spec.include_usage);
    CHECK(spec.logprobs);
    const std::vector<int32_t> expected = s.tok.encode("Be brief.\n\nHi", true);  // plain continuation, BOS first
    for (uint32_t i = 0; i < 3; ++i) {
        const Request& r = spec.requests[i];
        CHECK(r.prompt == expected);
        CHECK(r.sampling.seed == 41 + i);
        CHECK(r.sampling.temperature == doctest::Approx(0.5));
        CHECK(r.sampling.top_p == doctest::Approx(0.9));
        CHECK(r.sampling.presence_penalty == doctest::Approx(0.5));
        CHECK(r.sampling.frequency_penalty == doctest::Approx(-0.5));
        CHECK(r.max_tokens == 7);
        CHECK(r.stop == std::vector<std::string>{"x", "y"});
        CHECK(r.logprobs);
        CHECK(r.stop_at_eos);
    }
    CHECK(spec.prompt_tokens == std::vector<uint32_t>{uint32_t(expected.size())});

    // Completions: two prompts (text and ids), echo, max_tokens by default the rest of the context.
    const json comp = {{"model", "default"}, {"prompt", json::array({"And God said", json::array({0, 5, 6})})}, {"echo", true},
                       {"ignore_eos", true}};
    spec = parse_completion_request(comp, s.model);
    REQUIRE(spec.requests.size() == 2);
    CHECK(spec.requests[0].prompt == s.tok.encode("And God said", true));
    CHECK(spec.requests[1].prompt == std::vector<int32_t>{0, 5, 6});
    CHECK(spec.requests[1].max_tokens == 64 - 3);
    CHECK_FALSE(spec.requests[1].stop_at_eos);
    CHECK(spec.echo[0] == "And God said");
    CHECK(spec.requests[0].sampling.temperature == 1.0f);  // OpenAI's default
}

TEST_CASE("bad request bodies get a 400 naming the field") {
    Served s;
    const json ok = {{"model", "default"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}};
    auto with = [&](const char* key, json value) {
        json b = ok;
        b[key] = std::move(value);
        return b;
    };
    CHECK(refused(ok, s.model) == "(accepted)");
    CHECK(refused(with("model", "gpt-4"), s.model) == "model");
    CHECK(refused(json{{"messages", ok["messages"]}}, s.model) == "model");
    CHECK(refused(with("temperature", "hot"), s.model) == "temperature");
    CHECK(refused(with("temperature", 2.5), s.model) == "temperature");
    CHECK(refused(with("top_p", 1.5), s.model) == "top_p");
    CHECK(refused(with("max_tokens", 0), s.model) == "max_tokens");
    CHECK(refused(with("max_tokens", 64), s.model) == "max_tokens");  // past the context with the prompt
    CHECK(refused(with("max_completion_tokens", 1.5), s.model) == "max_completion_tokens");
    CHECK(refused(with("n", 5), s.model) == "n");
    CHECK(refused(with("stop", json::array({"a", "b", "c", "d", "e"})), s.model) == "stop");
    CHECK(refused(with("stop", ""), s.model) == "stop");
    CHECK(refused(with("seed", "x"), s.model) == "seed");
    CHECK(refused(with("logprobs", 1), s.model) == "logprobs");
    CHECK(refused(with("top_logprobs", 2), s.model) == "top_logprobs");  // needs logprobs
    CHECK(refused(with("top_logprobs", 21), s.model) == "top_logprobs");
    CHECK(refused(with("stream_options", {{"include_usage", true}}), s.model) == "stream_options");  // without stream
    CHECK(refused(with("tools", json::array({1})), s.model) == "tools");
    CHECK(refused(with("logit_bias", {{"5", 10}}), s.model) == "logit_bias");
    CHECK(refused(with("response_format", {{"type", 5}}), s.model) == "response_format");  // found by fuzz_openai_request
    CHECK(refused(with("messages", {{{"role", "user"}, {"content", {{{"type", 5}}}}}}), s.model) == "messages[0].content");
    CHECK(refused(with("messages", "Hi"), s.model) == "messages");
    CHECK(refused(with("messages", json::array()), s.model) == "messages");
    CHECK(refused(with("messages", {{{"role", "tool"}, {"content", "x"}}}), s.model) == "messages[0].role");
    CHECK(refused(with("messages", {{{"role", "assistant"}, {"content", "x"}}}), s.model) == "messages");
    CHECK(refused(with("messages", {{{"role", "user"}, {"content", 5}}}), s.model) == "messages[0].content");
    CHECK(refused(with("messages", {{{"role", "user"}, {"content", repeat(" and", 100)}}}), s.model) == "messages");

    const json comp = {{"model", "default"}, {"prompt", "Hi"}};
    auto cwith = [&](const char* key, json value) {
        json b = comp;
        b[key] = std::move(value);
        return b;
    };
    CHECK(refused(comp, s.model, false) == "(accepted)");
    CHECK(refused(cwith("prompt", json::array({1, 5000})), s.model, false) == "prompt");
    CHECK(refused(cwith("prompt", json::array({-1})), s.model, false) == "prompt");
    CHECK(refused(cwith("prompt", json::array()), s.model, false) == "prompt");
    CHECK(refused(cwith("prompt", json::array({json::array({1}), 5})), s.model, false) == "prompt");
    CHECK(refused(cwith("prompt", std::vector<int>(64, 5)), s.model, false) == "prompt");
    CHECK(refused(cwith("logprobs", 21), s.model, false) == "logprobs");
    CHECK(refused(cwith("logprobs", -1), s.model, false) == "logprobs");
    CHECK(refused(cwith("suffix", "x"), s.model, false) == "suffix");
    CHECK(refused(cwith("best_of", 3), s.model, false) == "best_of");
    CHECK(refused(cwith("prompt", json::array({"a", "b", "c", "d", "e"})), s.model, false) == "prompt");

    // The body itself.
    CHECK_THROWS_AS(parse_body("{"), ApiError);
    CHECK_THROWS_AS(parse_body("[1]"), ApiError);
    CHECK_THROWS_AS(parse_body("555527777e877"), ApiError);  // past a double: found by fuzz_openai_request
    CHECK_THROWS_AS(parse_body("{\"max_tokens\": 1e999}"), ApiError);
    CHECK_THROWS_AS(parse_body(std::string(1000, '[') + std::string(1000, ']')), ApiError);
    CHECK(parse_body("{\"a\": \"[[[[\"}")["a"] == "[[[[");  // brackets inside strings do not count as nesting
}

TEST_CASE("top log-probabilities: chat's top_logprobs and completions' logprobs: K reach the engine requests") {
    Served s;
    const json chat = {{"model", "default"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"logprobs", true}, {"top_logprobs", 20}};
    GenerationSpec spec = parse_chat_request(chat, s.model);
    CHECK(spec.top_logprobs == 20);
    CHECK(spec.requests[0].logprobs);
    CHECK(spec.requests[0].top_logprobs == 20);
    spec = parse_completion_request({{"model", "default"}, {"prompt", "Hi"}, {"logprobs", 3}}, s.model);
    CHECK(spec.logprobs);
    CHECK(spec.top_logprobs == 3);
    CHECK(spec.requests[0].top_logprobs == 3);
    spec = parse_completion_request({{"model", "default"}, {"prompt", "Hi"}, {"logprobs", 0}}, s.model);
    CHECK(spec.requests[0].logprobs);
    CHECK(spec.requests[0].top_logprobs == 0);
}

TEST_CASE("embedding requests: every input form to tokens; encoders and text models keep to their routes") {
    Served s;
    ServedModel encoder = s.model;
    encoder.encoder = true;
    encoder.embedding_size = 64;
    EmbeddingSpec e = parse_embedding_request({{"model", "default"}, {"input", "And God said"}}, encoder);
    REQUIRE(e.inputs.size() == 1);
    CHECK(e.inputs[0] == s.tok.encode("And God said", true));
    CHECK_FALSE(e.base64);
    e = parse_embedding_request({{"model", "default"}, {"input", {"a", "b c"}}, {"encoding_format", "base64"}}, encoder);
    CHECK(e.inputs.size() == 2);
    CHECK(e.base64);
    e = parse_embedding_request({{"model", "default"}, {"input", {5, 6, 7}}}, encoder);
    CHECK(e.inputs == std::vector<std::vector<int32_t>>{{5, 6, 7}});
    CHECK(e.prompt_tokens == 3);
    e = parse_embedding_request({{"model", "default"}, {"input", {{5, 6}, {7}}}, {"dimensions", 64}}, encoder);
    CHECK(e.inputs == std::vector<std::vector<int32_t>>{{5, 6}, {7}});
    CHECK(e.prompt_tokens == 3);

    auto param = [](const json& body, const ServedModel& m) -> std::string {
        try {
            parse_embedding_request(body, m);
        } catch (const ApiError& err) {
            CHECK(err.status() == 400);
            return err.body()["error"]["param"].get<std::string>();
        }
        return "(accepted)";
    };
    CHECK(param({{"model", "default"}, {"input", "x"}}, s.model) == "model");  // a text model
    CHECK(param({{"model", "default"}}, encoder) == "input");
    CHECK(param({{"model", "default"}, {"input", json::array()}}, encoder) == "input");
    CHECK(param({{"model", "default"}, {"input", {1, 5000}}}, encoder) == "input");
    CHECK(param({{"model", "default"}, {"input", {{1}, {5000}}}}, encoder) == "input[1]");
    CHECK(param({{"model", "default"}, {"input", {{1}, 2}}}, encoder) == "input");
    CHECK(param({{"model", "default"}, {"input", std::vector<int>(65, 5)}}, encoder) == "input");
    CHECK(param({{"model", "default"}, {"input", "x"}, {"encoding_format", "int8"}}, encoder) == "encoding_format");
    CHECK(param({{"model", "default"}, {"input", "x"}, {"dimensions", 8}}, encoder) == "dimensions");
    ServedModel no_tokenizer = encoder;
    no_tokenizer.tokenizer = nullptr;
    CHECK(param({{"model", "default"}, {"input", "x"}}, no_tokenizer) == "input");
    // The text routes on an encoder.
    CHECK(refused({{"model", "default"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}}, encoder) == "model");
    CHECK(refused({{"model", "default"}, {"prompt", "Hi"}}, encoder, false) == "model");
}
