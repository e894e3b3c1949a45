// The engine's GPU-shortlist path on an executor with made-up logits: where
// penalties push every candidate of a shortlist under the tokens outside it,
// the engine reads the row whole and picks what whole rows pick.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "model/config.h"
#include "runtime/executor.h"
#include "vkllm/engine.h"

using namespace vkllm;

namespace {

constexpr uint32_t kVocab = 64, kShortlist = 17;

// Every row: token i has logit kVocab - i (the lowest ids likeliest).
class FixedLogits : public runtime::Executor {
public:
    explicit FixedLogits(uint32_t shortlist) : shortlist_(shortlist) {}
    runtime::ExecutorLimits limits() const override {
        runtime::ExecutorLimits l;
        l.slots = 2;
        l.step_tokens = 64;
        l.max_context = 256;
        l.shortlist = shortlist_;
        return l;
    }
    uint32_t free_blocks() const override { return 1u << 20; }
    std::vector<float> step(std::span<const runtime::ExecutorItem> items, const runtime::StepKv*) override {
        std::vector<float> rows;
        for (size_t i = 0; i < items.size(); ++i) rows.insert(rows.end(), row().begin(), row().end());
        return rows;
    }
    std::vector<runtime::Shortlist> step_shortlists(std::span<const runtime::ExecutorItem> items, const runtime::StepKv*) override {
        runtime::Shortlist best;
        for (uint32_t id = 0; id < shortlist_; ++id) {
            best.ids.push_back(int32_t(id));
            best.logits.push_back(row()[id]);
        }
        return std::vector<runtime::Shortlist>(items.size(), best);
    }
    std::vector<float> shortlist_row(size_t) const override {
        ++rows_read;
        return row();
    }
    std::vector<float> all_rows(uint32_t, std::span<const int32_t> tokens, const runtime::StepKv*) override {
        std::vector<float> rows;
        for (size_t i = 0; i < tokens.size(); ++i) rows.insert(rows.end(), row().begin(), row().end());
        return rows;
    }
    void release(uint32_t) override {}
    std::string name() const override { return "fixed logits"; }
    mutable uint32_t rows_read = 0;

private:
    static const std::vector<float>& row() {
        static const std::vector<float> r = [] {
            std::vector<float> v(kVocab);
            for (uint32_t i = 0; i < kVocab; ++i) v[i] = float(kVocab - i);
            return v;
        }();
        return r;
    }
    uint32_t shortlist_;
};

ModelConfig config() {
    ModelConfig c;
    c.vocab_size = kVocab;
    c.max_position = 256;
    return c;
}

RequestResult run(uint32_t shortlist, const Request& r, uint32_t* rows_read = nullptr, uint32_t* fetched = nullptr) {
    auto executor = std::make_unique<FixedLogits>(shortlist);
    FixedLogits* fixed = executor.get();
    Engine engine(std::move(executor), config(), EngineOptions{});
    const uint64_t id = engine.submit(r);
    uint32_t whole = 0;
    while (engine.step()) whole += engine.last_step().whole_rows_fetched;
    if (rows_read) *rows_read = fixed->rows_read;
    if (fetched) *fetched = whole;
    return engine.result(id);
}

}  // namespace

TEST_CASE("a penalised shortlist that cannot decide is read whole, and picks what whole rows pick") {
    Request r;
    for (int32_t id = 0; id < 20; ++id) r.prompt.push_back(id);  // every candidate of the 17 seen
    r.sampling.temperature = 0;
    r.sampling.presence_penalty = 100.0f;
    r.max_tokens = 6;
    r.stop_at_eos = false;
    uint32_t rows_read = 0, fetched = 0;
    const RequestResult shortlisted = run(kShortlist, r, &rows_read, &fetched);
    const RequestResult whole = run(0, r);
    // Whole rows: ids 20, 21, ... (each then seen as well).
    CHECK(whole.tokens == std::vector<int32_t>{20, 21, 22, 23, 24, 25});
    CHECK(shortlisted.tokens == whole.tokens);
    CHECK(rows_read == 6);
    CHECK(fetched == 6);

    // Without penalties the shortlist decides: no row is read.
    Request plain = r;
    plain.sampling.presence_penalty = 0;
    CHECK(run(kShortlist, plain, &rows_read).tokens == std::vector<int32_t>(6, 0));
    CHECK(rows_read == 0);
}

TEST_CASE("in a step of candidates, a request that needs its whole row reads only that row") {
    auto executor = std::make_unique<FixedLogits>(kShortlist);
    FixedLogits* fixed = executor.get();
    Engine engine(std::move(executor), config(), EngineOptions{});
    Request greedy;
    greedy.prompt = {1, 2, 3};
    greedy.sampling.temperature = 0;
    greedy.max_tokens = 5;
    greedy.stop_at_eos = false;
    Request sampled = greedy;  // temperature over the whole row: no shortlist can serve it
    sampled.sampling.temperature = 8.0f;
    sampled.sampling.seed = 42;
    sampled.logprobs = true;
    const uint64_t a = engine.submit(greedy), b = engine.submit(sampled);
    uint32_t shortlist_rows = 0, fetched = 0;
    while (engine.step()) {
        shortlist_rows += engine.last_step().shortlist_rows;
        fetched += engine.last_step().whole_rows_fetched;
    }
    CHECK(engine.result(a).tokens == std::vector<int32_t>(5, 0));
    CHECK(shortlist_rows == 10);  // half of each step's requests are served by candidates: candidates it is
    CHECK(fetched == 5);
    CHECK(fixed->rows_read == 5);
    // The sampled request drew what it draws from whole rows, with its log-probabilities.
    const RequestResult whole = run(0, sampled);
    CHECK(engine.result(b).tokens == whole.tokens);
    REQUIRE(engine.result(b).logprobs.size() == 5);
    CHECK(engine.result(b).logprobs == whole.logprobs);
    // Whole rows once most requests need them.
    auto only_rows = std::make_unique<FixedLogits>(kShortlist);
    FixedLogits* rows_executor = only_rows.get();
    Engine by_rows(std::move(only_rows), config(), EngineOptions{});
    by_rows.submit(sampled);
    by_rows.run_until_done();
    CHECK(by_rows.last_step().shortlist_rows == 0);
    CHECK(rows_executor->rows_read == 0);
}
