// Shared KV through the engine on a random-weight model (kv/kv_cache.h): a
// request whose prompt starts like an earlier one's computes only its own
// tail and gets the tokens and log-probabilities of a cold run; a small pool
// evicts cached blocks least recently used and every request still succeeds;
// n completions of one prompt share its blocks and match independent runs
// seeded alike. f32 weights and KV, and the shared prefix is computed in the
// same chunks as a cold run's, so the cached keys are the ones a cold run
// computes; rows differ from a lone step only in summation order (bounded at
// 1e-4 by batch_forward_test), far below the sampling boundaries these seeds
// meet, so token sequences match exactly and log-probabilities within 1e-4.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "forward/forward_context.h"
#include "kv/kv_cache.h"
#include "model/load.h"
#include "model/make_model.h"
#include "runtime/gpu_executor.h"
#include "vkllm/engine.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

constexpr uint32_t kBlock = 16;

LoadedModel model(const std::string& name, const std::string& extra = "") {
    const auto dir = std::filesystem::temp_directory_path() / "vkllm-prefix-cache-test" / name;
    std::filesystem::remove_all(dir);
    ModelConfig config = parse_config_toml_string(small_model_toml(extra), name);
    config.max_position = 512;
    return load_model(make_model(config, 21, DType::F32, dir.string()));
}

std::unique_ptr<Engine> engine(const LoadedModel& m, uint32_t sequences, uint32_t blocks = 0, bool prefix_cache = true) {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.f16_prefill_activations = false;
    o.max_step_tokens = 64;
    o.max_sequences = sequences;
    o.kv_block_size = kBlock;
    const kv::KvGeometry g{m.config.num_layers, m.config.kv_heads(), m.config.head_size(), kBlock, DType::F32};
    o.kv_budget_bytes = blocks * g.bytes_per_block();
    EngineOptions e;
    e.prefix_cache = prefix_cache;
    return std::make_unique<Engine>(std::make_unique<runtime::GpuExecutor>(forward_device(), m.config, m.weights, o),
                                    m.config, std::move(e));
}

std::vector<int32_t> tokens(uint32_t seed, size_t count) {
    std::vector<int32_t> t(count);
    for (size_t i = 0; i < count; ++i) t[i] = int32_t((i * 37 + seed * 11 + 3) % 97);
    return t;
}

Request greedy(std::vector<int32_t> prompt, uint32_t max_tokens = 8) {
    Request r;
    r.prompt = std::move(prompt);
    r.sampling.temperature = 0;
    r.max_tokens = max_tokens;
    r.stop_at_eos = false;
    r.logprobs = true;
    return r;
}

struct Run {
    RequestResult result;
    uint32_t prefill_tokens = 0, cached_tokens = 0;  // what the engine's steps computed and took from the cache
};

Run run(Engine& e, const Request& r) {
    Run out;
    const uint64_t id = e.submit(r);
    while (e.step()) {
        out.prefill_tokens += e.last_step().prefill_tokens;
        out.cached_tokens += e.last_step().cached_tokens;
    }
    out.result = e.result(id);
    return out;
}

void check_same(const RequestResult& got, const RequestResult& cold) {
    CHECK(got.tokens == cold.tokens);
    REQUIRE(got.logprobs.size() == cold.logprobs.size());
    for (size_t i = 0; i < got.logprobs.size(); ++i) CHECK(std::abs(got.logprobs[i] - cold.logprobs[i]) <= 1e-4);
}

}  // namespace

TEST_CASE("a request sharing a 200-token prefix computes only its tail and matches a cold run") {
    ValidationCheck check;
    for (const char* extra : {"", "[attention]\nsliding_window = 40\n"}) {
        INFO("model: " << (*extra ? extra : "plain RoPE"));
        LoadedModel m = model(*extra ? "window" : "plain", extra);
        const std::vector<int32_t> prefix = tokens(1, 200);
        std::vector<int32_t> first = prefix, second = prefix;
        for (int32_t t : tokens(2, 10)) first.push_back(t);
        for (int32_t t : tokens(3, 13)) second.push_back(t);

        auto warm = engine(m, 2);
        const Run a = run(*warm, greedy(first));
        CHECK(a.result.timings.cached_prompt_tokens == 0);
        CHECK(a.prefill_tokens == first.size());
        CHECK(warm->kv_blocks_used() == 0);  // cached blocks are free blocks
        const Run b = run(*warm, greedy(second));
        // The 12 whole blocks of the prefix (192 tokens) come from the cache; block 13 also held the first tail.
        CHECK(b.result.timings.cached_prompt_tokens == 192);
        CHECK(b.cached_tokens == 192);
        CHECK(b.prefill_tokens == second.size() - 192);

        auto cold = engine(m, 2, 0, false);
        const Run c = run(*cold, greedy(second));
        CHECK(c.result.timings.cached_prompt_tokens == 0);
        CHECK(c.prefill_tokens == second.size());
        check_same(b.result, c.result);
        // The same prompt again: all but its last partial block's worth is cached.
        const Run again = run(*warm, greedy(second));
        CHECK(again.result.timings.cached_prompt_tokens == 208);
        check_same(again.result, c.result);
    }
}

TEST_CASE("a small KV pool evicts cached blocks least recently used; requests still succeed") {
    ValidationCheck check;
    LoadedModel m = model("plain");
    // Four blocks; each request (40 prompt tokens, 7 generated fed back) takes three and leaves two cached.
    auto small = engine(m, 1, 4);
    auto cold = engine(m, 1, 4, false);
    const Request a = greedy(tokens(5, 40)), b = greedy(tokens(6, 40));
    const Run ra = run(*small, a);
    const Run rb = run(*small, b);  // takes the plain blocks and then A's least recently released one
    const Run rb2 = run(*small, b);
    CHECK(rb2.result.timings.cached_prompt_tokens == 32);
    const Run ra2 = run(*small, a);  // A's first block was evicted: nothing of A is found
    CHECK(ra2.result.timings.cached_prompt_tokens == 0);
    CHECK(ra2.prefill_tokens == 40);
    check_same(ra.result, run(*cold, a).result);
    check_same(ra2.result, ra.result);
    check_same(rb.result, run(*cold, b).result);
    check_same(rb2.result, rb.result);
    CHECK(small->kv_blocks_used() == 0);
    // Many different prompts through the tiny pool: every one finishes with the cold tokens.
    for (uint32_t s = 10; s < 14; ++s) {
        const Request r = greedy(tokens(s % 2 ? 5 : s, 40));
        check_same(run(*small, r).result, run(*cold, r).result);
    }
}

TEST_CASE("n = 4 completions share the prompt's blocks and match 4 independent runs with the same seeds") {
    ValidationCheck check;
    LoadedModel m = model("plain");
    Request r = greedy(tokens(7, 40), 12);  // two full blocks and 8 tokens of a third
    r.sampling.temperature = 0.9f;
    r.sampling.seed = 5;
    std::vector<RequestResult> alone;
    auto single = engine(m, 1, 0, false);
    for (uint32_t i = 0; i < 4; ++i) {
        Request one = r;
        one.sampling.seed = 5 + i;
        alone.push_back(run(*single, one).result);
    }

    auto shared = engine(m, 4);
    r.n = 4;
    const uint64_t id = shared->submit(r);
    REQUIRE(shared->step());  // the prompt, once; the completions fork and sample their first tokens
    CHECK(shared->last_step().prefill_tokens == 40);
    CHECK(shared->kv_blocks_used() == 3);
    REQUIRE(shared->step());  // four decodes: three copy the shared partly filled block, the last writes in place
    CHECK(shared->last_step().decode_tokens == 4);
    CHECK(shared->kv_blocks_used() == 3 + 3);  // four independent sequences would hold 12
    shared->run_until_done();
    for (uint32_t i = 0; i < 4; ++i) {
        INFO("completion " << i);
        const RequestResult& got = shared->result(id + i);
        check_same(got, alone[i]);
        CHECK(got.timings.cached_prompt_tokens == (i == 0 ? 0u : 40u));
    }
    CHECK(alone[0].tokens != alone[1].tokens);  // the seeds matter
    CHECK(shared->kv_blocks_used() == 0);

    // Explicit seeds, and fewer slots than completions: those without a slot compute the prompt themselves.
    auto two = engine(m, 2);
    r.seeds = {8, 7, 6, 5};
    const uint64_t t = two->submit(r);
    two->run_until_done();
    for (uint32_t i = 0; i < 4; ++i) check_same(two->result(t + i), alone[3 - i]);

    // A pool of 6 blocks for 4 completions that each grow to 4 blocks: the newest are preempted (dropping
    // only their holds; the others keep the shared blocks) and come back on the cached prompt blocks.
    auto tight = engine(m, 4, 6);
    r.seeds.clear();
    const uint64_t p = tight->submit(r);
    tight->run_until_done();
    CHECK(tight->preemptions() > 0);
    for (uint32_t i = 0; i < 4; ++i) check_same(tight->result(p + i), alone[i]);
    CHECK(tight->kv_blocks_used() == 0);

    // A completion cancelled before it forked ends alone; a parent cancelled before its prompt ran leaves the others running.
    r.seeds.clear();
    const uint64_t c = shared->submit(r);
    shared->cancel(c + 1);
    shared->cancel(c);
    CHECK(shared->result(c + 1).reason == FinishReason::Cancelled);
    shared->run_until_done();
    check_same(shared->result(c + 2), alone[2]);
    check_same(shared->result(c + 3), alone[3]);
    CHECK(shared->kv_blocks_used() == 0);

    r.n = 0;
    CHECK_THROWS_WITH(shared->submit(r), doctest::Contains("n (completions"));
    r.n = 2;
    r.keep = true;
    CHECK_THROWS_WITH(shared->submit(r), doctest::Contains("cannot keep"));
    r.keep = false;
    r.seeds = {1};
    CHECK_THROWS_WITH(shared->submit(r), doctest::Contains("1 seeds for n = 2"));
}

TEST_CASE("dynamic-NTK RoPE and encoder-only models keep no prefix cache") {
    LoadedModel m = model("ntk", "[position]\ntype = \"rope\"\n[position.rope_scaling]\ntype = \"dynamic_ntk\"\nfactor = 2.0\n"
                                 "original_max_position = 16\n");
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    plan::GpuForward f(forward_device(), m.config, m.weights, o);
    CHECK_FALSE(f.kv_cache().prefix_cache());
    auto e = engine(m, 1);
    const Request r = greedy(tokens(9, 40), 2);
    run(*e, r);
    CHECK(run(*e, r).result.timings.cached_prompt_tokens == 0);
}

TEST_CASE("the scheduler owns the KV cache: the forward pass runs steps from its inputs alone") {
    LoadedModel m = model("owned");
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.f16_prefill_activations = false;
    o.max_sequences = 2;
    o.max_step_tokens = 16;  // the same chunks on both paths: the same programs, the same bits
    const std::vector<int32_t> prompt = tokens(4, 40);
    // The forward pass with its own cache, as a reference.
    plan::GpuForward own(forward_device(), m.config, m.weights, o);
    const std::vector<float> expected = own.step(prompt);
    // Handed over: the cache's owner builds every step's inputs; the forward pass keeps no sequence state.
    plan::GpuForward bare(forward_device(), m.config, m.weights, o);
    std::unique_ptr<kv::KvCache> cache = bare.take_kv_cache();
    REQUIRE(cache);
    CHECK_THROWS_WITH(bare.step(prompt), doctest::Contains("belongs to a scheduler"));
    CHECK_THROWS_WITH(bare.take_kv_cache(), doctest::Contains("already handed over"));
    std::vector<float> rows;
    for (size_t first = 0; first < prompt.size(); first += 16) {
        const std::span<const int32_t> chunk(prompt.data() + first, std::min<size_t>(16, prompt.size() - first));
        const kv::StepRequest request{1, uint32_t(chunk.size()), chunk};  // slot 1: any slot the owner picks
        const kv::StepInputs inputs = kv::append_step(*cache, std::span(&request, 1), bare.kv_table_width());
        const plan::SequenceTokens only{1, chunk};
        const std::vector<float> part = bare.step_with_kv(std::span(&only, 1), inputs, cache->take_copies(), true);
        rows.insert(rows.end(), part.begin(), part.end());
    }
    CHECK(rows == expected);
    CHECK(cache->length(1) == prompt.size());
    // The engine hands the executor's cache to its scheduler: usage is read there, and it empties again.
    auto e = engine(m, 2);
    REQUIRE(e->kv_cache());
    run(*e, greedy(prompt, 3));
    CHECK(e->kv_cache()->usage().blocks_used == 0);
    CHECK(e->kv_cache()->usage().blocks_cached > 0);  // its full prompt blocks stay cached
}
