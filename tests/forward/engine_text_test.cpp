// The engine's request options on the shipped model and its tokenizer: text
// prompts, streamed pieces, stop strings, stop tokens, log-probabilities and
// the GPU shortlist path, each against a plain greedy run of the same prompt.
#include <doctest/doctest.h>

#include <cmath>

#include "forward/forward_context.h"
#include "model/load.h"
#include "runtime/gpu_executor.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

const std::string kModel = VKLLM_SOURCE_DIR "/models/default";

struct Setup {
    LoadedModel model = load_model(kModel);
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(kModel + "/tokenizer.json");

    std::unique_ptr<Engine> engine(uint32_t gpu_top_k = 0) {
        plan::ForwardOptions o;
        o.top_k = gpu_top_k;
        EngineOptions e;
        e.tokenizer = &tok;
        return std::make_unique<Engine>(
            std::make_unique<runtime::GpuExecutor>(forward_device(), model.config, model.weights, o), model.config, e);
    }
};

Request greedy(uint32_t n) {
    Request r;
    r.text = "And God said";
    r.sampling.temperature = 0;
    r.max_tokens = n;
    r.stop_at_eos = false;
    return r;
}

RequestResult run(Engine& e, const Request& r, std::string* streamed = nullptr) {
    const uint64_t id = e.submit(r, [&](const TokenEvent& ev) {
        if (streamed) *streamed += ev.text;
    });
    e.run_until_done();
    return e.result(id);
}

}  // namespace

TEST_CASE("engine requests: text in, streamed pieces, stop strings and tokens, log-probabilities, shortlist") {
    ValidationCheck check;
    Setup s;
    auto e = s.engine();
    std::string streamed;
    const RequestResult plain = run(*e, greedy(16), &streamed);
    REQUIRE(plain.tokens.size() == 16);
    CHECK(plain.reason == FinishReason::Length);
    CHECK(streamed == plain.text);
    CHECK(plain.timings.prompt_tokens == s.tok.encode("And God said", true).size());

    // A stop string ends the request once the text holds it; what came before is a prefix of the plain run.
    const std::string stop = plain.text.substr(plain.text.size() / 2, 3);
    Request stopping = greedy(16);
    stopping.stop = {stop};
    const RequestResult stopped = run(*e, stopping);
    CHECK(stopped.reason == FinishReason::StopString);
    CHECK(stopped.text.find(stop) != std::string::npos);
    CHECK(plain.text.rfind(stopped.text, 0) == 0);
    CHECK(stopped.tokens.size() < plain.tokens.size());

    // A stop token ends it at its first appearance, reported but not part of the text.
    Request by_token = greedy(16);
    by_token.stop_tokens = {plain.tokens[5]};
    const RequestResult at_token = run(*e, by_token);
    CHECK(at_token.reason == FinishReason::StopToken);
    const size_t first = size_t(std::find(plain.tokens.begin(), plain.tokens.end(), plain.tokens[5]) - plain.tokens.begin());
    CHECK(at_token.tokens.size() == first + 1);

    // Greedy picks the most likely token: its log-probability is at most 0 and at least -log(vocab).
    Request with_logprobs = greedy(16);
    with_logprobs.logprobs = true;
    const RequestResult scored = run(*e, with_logprobs);
    CHECK(scored.tokens == plain.tokens);
    REQUIRE(scored.logprobs.size() == scored.tokens.size());
    for (float lp : scored.logprobs) {
        CHECK(lp <= 0.0f);
        CHECK(lp >= -std::log(double(s.model.config.vocab_size)) - 1e-4);
    }
    CHECK(e->kv_blocks_used() == 0);

    // The GPU's top-k shortlist picks the same tokens as the whole row.
    auto shortlisted = s.engine(8);
    CHECK(run(*shortlisted, greedy(16)).tokens == plain.tokens);

    // With penalties, shortlists and whole rows give the same tokens (the
    // engine reads a row whole where its shortlist cannot decide: unit test
    // `engine_shortlist_test.cpp`).
    Request penalised = greedy(24);
    penalised.sampling.presence_penalty = 3.0f;
    penalised.sampling.frequency_penalty = 1.0f;
    auto short17 = s.engine(17);
    CHECK(run(*short17, penalised).tokens == run(*e, penalised).tokens);

    CHECK_THROWS_WITH(e->submit(Request{}), doctest::Contains("no prompt"));
    Request too_long = greedy(1);
    too_long.prompt.assign(e->context(), 1);
    CHECK_THROWS_WITH(e->submit(too_long), doctest::Contains("more than the context"));
    Request bad = greedy(1);
    bad.prompt = {int32_t(s.model.config.vocab_size)};
    CHECK_THROWS_WITH(e->submit(bad), doctest::Contains("outside the model's vocabulary"));
    // An id the engine never gave out is named, by every query that takes one.
    const uint64_t unknown = 987654;
    CHECK_THROWS_AS(e->finished(unknown), InputError);
    CHECK_THROWS_WITH(e->result(unknown), doctest::Contains("no request 987654"));
    CHECK_THROWS_WITH(e->prompt_progress(unknown), doctest::Contains("no request 987654"));
    CHECK_THROWS_WITH(e->sequence_tokens(unknown), doctest::Contains("no request 987654"));
}
