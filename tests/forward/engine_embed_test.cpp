// Engine::embed on the BERT fixture against Hugging Face transformers' last
// hidden states (reference_hidden.bin), pooled here by hand: the mean over the
// 48 tokens or the first row, L2-normalised. f32 weights and KV: the hidden
// states agree within 1e-4 (hf_forward_test.cpp), and pooling and normalising
// a 64-wide unit vector does not enlarge that. Also: top log-probabilities
// through the engine equal the log-softmax of the forward pass's row.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "model/load.h"
#include "runtime/gpu_executor.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

plan::ForwardOptions f32_options() {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.f16_prefill_activations = false;
    return o;
}

std::unique_ptr<Engine> make_engine(const LoadedModel& m) {
    return std::make_unique<Engine>(std::make_unique<runtime::GpuExecutor>(forward_device(), m.config, m.weights, f32_options()),
                                    m.config, EngineOptions{});
}

std::vector<double> unit(std::vector<double> v) {
    double n = 0;
    for (double x : v) n += x * x;
    for (double& x : v) x /= std::sqrt(n);
    return v;
}

double max_diff(const std::vector<float>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("Engine::embed: mean and CLS pooling of the encoder's hidden states, normalised, as transformers'") {
    ValidationCheck check;
    HfCase c = load_hf_case("bert_encoder");
    LoadedModel m = load_model(c.dir);
    const size_t rows = c.input_ids.size(), width = c.cols;
    std::vector<double> mean(width, 0.0), cls(width);
    for (size_t t = 0; t < rows; ++t)
        for (size_t i = 0; i < width; ++i) mean[i] += c.expected[t * width + i] / double(rows);
    for (size_t i = 0; i < width; ++i) cls[i] = c.expected[i];

    CHECK(m.config.pooling == Pooling::Mean);  // no sentence-transformers pooling config: the mean
    auto engine = make_engine(m);
    CHECK(engine->embeds());
    CHECK(engine->embedding_size() == width);
    const std::vector<float> e = engine->embed(c.input_ids);
    CHECK(max_diff(e, unit(mean)) <= 1e-4);
    CHECK(engine->embed(c.input_ids) == e);  // the slot is free again and nothing carries over
    CHECK(engine->kv_blocks_used() == 0);

    m.config.pooling = Pooling::Cls;
    auto cls_engine = make_engine(m);
    CHECK(max_diff(cls_engine->embed(c.input_ids), unit(cls)) <= 1e-4);

    // An encoder does not generate, and bad inputs are refused by name.
    Request r;
    r.prompt = {1, 2, 3};
    CHECK_THROWS_WITH_AS(engine->submit(r), doctest::Contains("encoder-only"), InputError);
    CHECK_THROWS_WITH_AS(engine->embed({}), doctest::Contains("no tokens"), InputError);
    CHECK_THROWS_WITH_AS(engine->embed({1, 256}), doctest::Contains("vocabulary"), InputError);
    CHECK_THROWS_WITH_AS(engine->embed(std::vector<int32_t>(m.config.max_position + 1, 1)), doctest::Contains("context"), InputError);
}

TEST_CASE("top log-probabilities through the engine: the forward row's log-softmax, most likely first, greedy takes the top") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    auto engine = make_engine(m);
    CHECK_FALSE(engine->embeds());
    CHECK_THROWS_WITH_AS(engine->embed({1, 2}), doctest::Contains("encoder-only"), InputError);
    Request r;
    r.prompt = c.prompt_ids;
    r.sampling.temperature = 0;
    r.max_tokens = 3;
    r.stop_at_eos = false;
    r.logprobs = true;
    r.top_logprobs = 5;
    const uint64_t id = engine->submit(r);
    engine->run_until_done();
    const RequestResult& res = engine->result(id);
    REQUIRE(res.top_logprobs.size() == 3);
    // The first token's row: the prompt's last row of the fixture's logits (transformers').
    const size_t vocab = c.cols, last = c.prompt_ids.size() - 1;
    std::vector<double> row(c.expected.begin() + long(last * vocab), c.expected.begin() + long((last + 1) * vocab));
    const double peak = *std::max_element(row.begin(), row.end());
    double z = 0;
    for (double x : row) z += std::exp(x - peak);
    for (double& x : row) x = x - peak - std::log(z);
    for (size_t i = 0; i < 3; ++i) {
        const auto& top = res.top_logprobs[i];
        REQUIRE(top.size() == 5);
        CHECK(top[0].token == res.tokens[i]);  // greedy
        CHECK(top[0].logprob == res.logprobs[i]);
        for (size_t k = 1; k < top.size(); ++k) CHECK(top[k].logprob <= top[k - 1].logprob);
        for (const TokenAlternative& t : top) CHECK(t.logprob <= 0);
    }
    for (const TokenAlternative& t : res.top_logprobs[0]) CHECK(std::abs(t.logprob - row[size_t(t.token)]) <= 3e-4);  // logits within 1e-4, and the normaliser
    Request too_many = r;
    too_many.top_logprobs = kMaxTopLogprobs + 1;
    CHECK_THROWS_WITH_AS(engine->submit(too_many), doctest::Contains("top_logprobs"), InputError);
}
