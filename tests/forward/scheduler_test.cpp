// Continuous batching through the engine (runtime/scheduler.h): requests of
// different prompt and output lengths that arrive at random steps share steps
// (decodes with prefill chunks), yet each gets the greedy tokens it gets when
// it runs alone, and the KV pool is empty once all finish. With a pool too
// small for all of them, the newest is preempted and recomputed, with the same
// tokens. f32 weights and KV: rows of a batched step differ from a lone step
// only in summation order (batch_forward_test bounds that at 1e-4), far below
// the model's top-1/top-2 gaps, so the argmax picks are exact.
#include <doctest/doctest.h>

#include <random>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "kv/kv_cache.h"
#include "model/load.h"
#include "runtime/gpu_executor.h"
#include "vkllm/engine.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

// `top_k` > 0: steps read back only each row's GPU top-k (ForwardOptions::top_k).
plan::ForwardOptions options(uint32_t sequences, uint64_t kv_budget, uint32_t top_k = 0) {
    plan::ForwardOptions o;
    o.top_k = top_k;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.f16_prefill_activations = false;
    o.max_step_tokens = 24;
    o.max_sequences = sequences;
    o.kv_budget_bytes = kv_budget;
    return o;
}

std::unique_ptr<Engine> engine(const LoadedModel& m, uint32_t sequences, uint64_t kv_budget = 0, uint32_t top_k = 0) {
    return std::make_unique<Engine>(
        std::make_unique<runtime::GpuExecutor>(forward_device(), m.config, m.weights,
                                               options(sequences, kv_budget, top_k)),
        m.config, EngineOptions{});
}

struct Job {
    Request request;
    uint32_t arrival = 0;  // the step it is submitted before
};

std::vector<Job> jobs(const HfCase& c, uint32_t count, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Job> out;
    for (uint32_t i = 0; i < count; ++i) {
        Job j;
        const uint32_t length = 1 + rng() % 40, start = rng() % (uint32_t(c.input_ids.size()) - length);
        j.request.prompt.assign(c.input_ids.begin() + start, c.input_ids.begin() + start + length);
        j.request.sampling.temperature = 0;
        j.request.max_tokens = 1 + rng() % 20;
        j.request.stop_at_eos = false;
        j.arrival = rng() % 30;
        out.push_back(j);
    }
    return out;
}

std::vector<std::vector<int32_t>> alone(Engine& e, const std::vector<Job>& js) {
    std::vector<std::vector<int32_t>> out;
    for (const Job& j : js) {
        const uint64_t id = e.submit(j.request);
        e.run_until_done();
        out.push_back(e.result(id).tokens);
    }
    return out;
}

struct Mixed {
    std::vector<std::vector<int32_t>> tokens;
    uint32_t most_sequences = 0, mixed_steps = 0;
};

Mixed together(Engine& e, const std::vector<Job>& js) {
    Mixed m;
    std::vector<uint64_t> ids(js.size(), 0);
    size_t submitted = 0;
    for (uint32_t step = 0; submitted < js.size() || e.step(); ++step) {
        for (size_t i = 0; i < js.size(); ++i)
            if (js[i].arrival == step) {
                ids[i] = e.submit(js[i].request);
                ++submitted;
            }
        if (submitted == js.size()) continue;  // the loop condition steps from here on
        e.step();
        m.most_sequences = std::max(m.most_sequences, e.last_step().sequences);
        if (e.last_step().prefill_tokens && e.last_step().decode_tokens) ++m.mixed_steps;
    }
    for (uint64_t id : ids) {
        REQUIRE(e.finished(id));
        m.tokens.push_back(e.result(id).tokens);
    }
    return m;
}

}  // namespace

TEST_CASE("requests arriving at random steps get the tokens they get alone; the KV pool empties") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    const std::vector<Job> js = jobs(c, 12, 7);
    auto single = engine(m, 4);
    const auto expected = alone(*single, js);
    auto batched = engine(m, 4);
    const Mixed got = together(*batched, js);
    for (size_t i = 0; i < js.size(); ++i) {
        INFO("request " << i << ": prompt " << js[i].request.prompt.size() << " tokens, arrives before step " << js[i].arrival);
        CHECK(got.tokens[i] == expected[i]);
        CHECK(got.tokens[i].size() == js[i].request.max_tokens);
    }
    CHECK(got.most_sequences == 4);  // every slot was used at once
    CHECK(got.mixed_steps > 0);      // prefill chunks rode along with decodes
    CHECK(batched->preemptions() == 0);
    CHECK(batched->kv_blocks_used() == 0);
    // The same with each batched row's candidates picked on the GPU (only
    // those read back): the same tokens.
    auto shortlisted = engine(m, 4, 0, 8);
    const Mixed short_got = together(*shortlisted, js);
    for (size_t i = 0; i < js.size(); ++i) {
        INFO("request " << i << " with GPU shortlists");
        CHECK(short_got.tokens[i] == expected[i]);
    }
    CHECK(short_got.most_sequences == 4);
}

TEST_CASE("a KV pool too small for every request preempts the newest; the tokens stay exact") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    const std::vector<Job> js = jobs(c, 10, 11);
    auto single = engine(m, 4);
    const auto expected = alone(*single, js);
    // Four blocks of 16 tokens: one request of up to 60 tokens always fits, four together rarely do.
    const kv::KvGeometry g{m.config.num_layers, m.config.kv_heads(), m.config.head_size(), 16, DType::F32};
    auto tiny = engine(m, 4, 4 * g.bytes_per_block());
    REQUIRE(tiny->max_context() == 64);
    const Mixed got = together(*tiny, js);
    for (size_t i = 0; i < js.size(); ++i) {
        INFO("request " << i);
        CHECK(got.tokens[i] == expected[i]);
    }
    CHECK(tiny->preemptions() > 0);
    uint32_t preempted = 0;
    for (size_t i = 0; i < js.size(); ++i) preempted += tiny->result(i + 1).timings.preemptions;
    CHECK(preempted == tiny->preemptions());
    CHECK(tiny->kv_blocks_used() == 0);
}

TEST_CASE("cancel ends a request between steps and frees its blocks; kept sequences continue") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    auto e = engine(m, 2);
    Request r;
    r.prompt.assign(c.input_ids.begin(), c.input_ids.begin() + 10);
    r.sampling.temperature = 0;
    r.max_tokens = 50;
    r.stop_at_eos = false;
    std::vector<TokenEvent> events;
    const uint64_t a = e->submit(r, [&](const TokenEvent& ev) { events.push_back(ev); });
    for (int i = 0; i < 3; ++i) e->step();
    e->cancel(a);
    CHECK(e->finished(a));
    CHECK(e->result(a).reason == FinishReason::Cancelled);
    CHECK(e->result(a).tokens.size() == 3);
    REQUIRE(events.size() == 4);
    CHECK(events.back().finished == FinishReason::Cancelled);
    CHECK_FALSE(e->step());
    CHECK(e->kv_blocks_used() == 0);

    // Two turns of a kept sequence give the tokens of one request holding both turns and the first reply.
    Request first = r;
    first.prompt.resize(4);
    first.max_tokens = 1;
    first.keep = true;
    const uint64_t f = e->submit(first);
    e->run_until_done();
    REQUIRE(e->result(f).tokens.size() == 1);
    CHECK(e->sequence_tokens(f) == 5);  // the prompt and the sampled token, not yet fed
    CHECK(e->kv_blocks_used() == 1);    // kept while idle
    Request second = r;
    second.prompt.assign(r.prompt.begin() + 4, r.prompt.end());
    second.max_tokens = 6;
    second.continues = f;
    const uint64_t s2 = e->submit(second);
    CHECK_THROWS_WITH(e->submit(second), doctest::Contains("kept no sequence"));
    e->run_until_done();
    Request whole = second;
    whole.continues = 0;
    whole.prompt = first.prompt;
    whole.prompt.push_back(e->result(f).tokens[0]);
    whole.prompt.insert(whole.prompt.end(), second.prompt.begin(), second.prompt.end());
    const uint64_t w = e->submit(whole);
    e->run_until_done();
    CHECK(e->result(s2).tokens == e->result(w).tokens);
    CHECK(e->result(s2).tokens.size() == 6);
    CHECK(e->kv_blocks_used() == 0);

    // forget() drops a finished request's record; an unfinished one is refused by id.
    e->forget(a);
    CHECK_THROWS_WITH(e->result(a), doctest::Contains("no request"));
    const uint64_t open = e->submit(r);
    CHECK_THROWS_WITH(e->forget(open), doctest::Contains("has not finished"));
    e->cancel(open);
    e->forget(open);
    // A kept sequence is released with its record.
    const uint64_t k = e->submit(first);
    e->run_until_done();
    CHECK(e->kv_blocks_used() == 1);
    e->forget(k);
    CHECK(e->kv_blocks_used() == 0);
    CHECK_FALSE(e->step());
}
