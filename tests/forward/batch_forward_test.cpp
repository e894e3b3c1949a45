// Batched steps: several sequences through one step (step_batch), prefill of
// different lengths and then decode of one token each. Every sequence's
// logits must equal a forward pass that runs it alone; the rows differ only in
// which kernel (matmul or matrix-vector) summed them, so the f32 bounds hold:
// max |diff| <= 1e-4, relative <= 1e-5. The MoE case groups the tokens of all
// sequences by expert together.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "model/load.h"
#include "plan/forward.h"
#include "vk/device.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

plan::ForwardOptions batch_options() {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.max_step_tokens = 32;
    o.max_sequences = 3;
    o.f16_prefill_activations = false;
    return o;
}

int32_t argmax(const float* row, size_t n) { return int32_t(std::max_element(row, row + n) - row); }

void check_row(const float* got, const std::vector<float>& expected, const std::string& what) {
    Errors e = compare(std::vector<float>(got, got + expected.size()), expected);
    INFO(what << ": max abs " << e.max_abs << ", relative " << e.relative);
    CHECK(e.max_abs <= 1e-4);
    CHECK(e.relative <= 1e-5);
}

}  // namespace

TEST_CASE("batched prefill and decode equal each sequence run alone (dense and MoE)") {
    for (const char* name : {"llama_gqa", "mixtral_moe"}) {
        const size_t start = forward_device().instance().validation_log().count();
        HfCase c = load_hf_case(name);
        LoadedModel m = load_model(c.dir);
        const size_t vocab = m.config.vocab_size;
        // Three prompts of different lengths cut from the fixture's input.
        std::vector<std::vector<int32_t>> prompts = {
            {c.input_ids.begin(), c.input_ids.begin() + 7},
            {c.input_ids.begin() + 10, c.input_ids.begin() + 22},
            {c.input_ids.begin() + 30, c.input_ids.begin() + 35}};
        plan::GpuForward batched(forward_device(), m.config, m.weights, batch_options());
        std::vector<std::unique_ptr<plan::GpuForward>> alone;
        for (size_t s = 0; s < prompts.size(); ++s) {
            plan::ForwardOptions o = batch_options();
            o.max_sequences = 1;
            alone.push_back(std::make_unique<plan::GpuForward>(forward_device(), m.config, m.weights, o));
        }
        std::vector<plan::SequenceTokens> batch;
        for (uint32_t s = 0; s < prompts.size(); ++s) batch.push_back({s, prompts[s]});
        std::vector<float> rows = batched.step_batch(batch);
        REQUIRE(rows.size() == prompts.size() * vocab);
        for (size_t s = 0; s < prompts.size(); ++s)
            check_row(rows.data() + s * vocab, alone[s]->step(prompts[s], true),
                      std::string(name) + " prefill of sequence " + std::to_string(s));
        const int decode_steps = 3;
        for (int step = 0; step < decode_steps; ++step) {
            std::vector<int32_t> next(prompts.size());
            for (size_t s = 0; s < prompts.size(); ++s) next[s] = argmax(rows.data() + s * vocab, vocab);
            // One token per sequence, listed in reverse to show the batch order is free.
            std::vector<plan::SequenceTokens> decode;
            for (uint32_t s = uint32_t(prompts.size()); s-- > 0;)
                decode.push_back({s, std::span<const int32_t>(&next[s], 1)});
            const std::vector<float> out = batched.step_batch(decode);
            for (size_t b = 0; b < decode.size(); ++b)
                std::copy_n(out.data() + b * vocab, vocab, rows.data() + decode[b].sequence * vocab);
            for (size_t s = 0; s < prompts.size(); ++s)
                check_row(rows.data() + s * vocab, alone[s]->step(std::span<const int32_t>(&next[s], 1), true),
                          std::string(name) + " decode step " + std::to_string(step) + " of sequence " + std::to_string(s));
        }
        if (m.config.moe.num_experts > 0)
            CHECK(batched.moe_stats()[0].tokens == 7 + 12 + 5 + 3 * decode_steps);
        CHECK(batched.sequence_length(1) == 12 + decode_steps);
        batched.reset_sequence(1);
        CHECK(batched.sequence_length(1) == 0);
        CHECK(batched.sequence_length(0) == 7 + decode_steps);
        for (const auto& message : forward_device().instance().validation_log().messages_since(start)) FAIL_CHECK(message);
    }
}

TEST_CASE("batched steps refuse bad batches with clear messages") {
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::GpuForward forward(forward_device(), m.config, m.weights, batch_options());
    const std::vector<int32_t> a(4, 1), long_prompt(30, 1);
    const plan::SequenceTokens twice[] = {{0, a}, {0, a}};
    CHECK_THROWS_WITH(forward.step_batch(twice), doctest::Contains("appears twice"));
    const plan::SequenceTokens outside[] = {{3, a}};
    CHECK_THROWS_WITH(forward.step_batch(outside), doctest::Contains("sequence 3 is outside"));
    const plan::SequenceTokens too_long[] = {{0, long_prompt}, {1, a}};
    CHECK_THROWS_WITH(forward.step_batch(too_long), doctest::Contains("exceed the step size"));
    const plan::SequenceTokens four[] = {{0, a}, {1, a}, {2, a}, {2, a}};
    CHECK_THROWS_WITH(forward.step_batch(four), doctest::Contains("exceed the 3"));
    CHECK(forward.sequence_length(0) == 0);  // nothing was appended
    plan::ForwardOptions o = batch_options();
    o.max_sequences = 40;
    CHECK_THROWS_WITH(plan::GpuForward(forward_device(), m.config, m.weights, o), doctest::Contains("max_sequences"));
}

TEST_CASE("the default KV budget holds every sequence's whole context") {
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::ForwardOptions o = batch_options();
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    const uint32_t block = o.kv_block_size, per_sequence = (m.config.max_position + block - 1) / block;
    CHECK(forward.kv_usage().blocks_total == per_sequence * o.max_sequences);
    CHECK(forward.max_context() == m.config.max_position);
}

TEST_CASE("recorded programs are dropped and recorded again past the cache bound") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::ForwardOptions o = batch_options();
    o.max_step_tokens = 48;
    o.max_programs = 8;
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    plan::GpuForward fresh(forward_device(), m.config, m.weights, o);
    const std::vector<int32_t> prompt(c.input_ids.begin(), c.input_ids.begin() + 40);
    const std::vector<float> expected = fresh.step(prompt, true);
    // 3..40 tokens over 1..3 sequences: more shape buckets than the 8 programs kept.
    size_t most = 0;
    for (uint32_t tokens = 3; tokens <= 40; ++tokens)
        for (uint32_t sequences = 1; sequences <= 3; ++sequences) {
            std::vector<plan::SequenceTokens> batch;
            for (uint32_t s = 0, first = 0; s < sequences; ++s) {
                const uint32_t count = s + 1 < sequences ? 1 : tokens - first;
                batch.push_back({s, std::span<const int32_t>(c.input_ids.data() + first, count)});
                first += count;
            }
            forward.step_batch(batch);
            for (uint32_t s = 0; s < sequences; ++s) forward.reset_sequence(s);
            most = std::max(most, forward.program_count());
        }
    CHECK(most == 8);
    CHECK(forward.programs_recorded() > 8);
    check_row(forward.step(prompt, true).data(), expected, "after eviction");
}

TEST_CASE("thousands of steps of mixed shapes record a bounded set of programs once") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::ForwardOptions o = batch_options();
    o.max_step_tokens = 48;
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    plan::GpuForward fresh(forward_device(), m.config, m.weights, o);
    // Random steps of up to 48 tokens over up to 3 sequences (decode rows and
    // chunks of up to 24 tokens): their buckets (plan/step_buckets.h: 13
    // token counts, times 3 sequence counts or one row each) are fewer than
    // the 64 programs kept, so each is recorded once.
    std::vector<int32_t> ids;
    while (ids.size() < 48) ids.push_back(c.input_ids[ids.size() % c.input_ids.size()]);
    std::mt19937 rng(7);
    const uint32_t steps = 2000;
    for (uint32_t step = 0; step < steps; ++step) {
        const uint32_t sequences = 1 + rng() % 3;
        std::vector<plan::SequenceTokens> batch;
        uint32_t first = 0;
        for (uint32_t s = 0; s < sequences; ++s) {
            const uint32_t room = 48 - first - (sequences - 1 - s);  // leave a token for each later sequence
            const uint32_t count = rng() % 2 ? 1 : 1 + rng() % std::min(room, 24u);
            batch.push_back({s, std::span<const int32_t>(ids.data() + first, count)});
            first += count;
        }
        forward.step_batch(batch);
        for (uint32_t s = 0; s < sequences; ++s) forward.reset_sequence(s);
    }
    INFO("programs held " << forward.program_count() << ", recorded " << forward.programs_recorded());
    CHECK(forward.program_count() <= 13 * 4);
    CHECK(forward.programs_recorded() == forward.program_count());  // none recorded twice
    const size_t programs = forward.program_count(), pools = forward.descriptor_pool_count();
    // The same shapes again: nothing new is recorded and no descriptor pool is added.
    for (uint32_t tokens : {1u, 5u, 17u}) {  // buckets 1, 5 and 24 of one sequence, each met in the random steps
        const plan::SequenceTokens only{0, std::span<const int32_t>(c.input_ids.data(), tokens)};
        forward.step_batch(std::span<const plan::SequenceTokens>(&only, 1));
        forward.reset_sequence(0);
    }
    CHECK(forward.program_count() == programs);
    CHECK(forward.descriptor_pool_count() == pools);
    // And the padded programs still compute what a fresh forward pass does.
    const std::vector<int32_t> prompt(c.input_ids.begin(), c.input_ids.begin() + 37);
    check_row(forward.step(prompt, true).data(), fresh.step(prompt, true), "after 2000 mixed steps");
}

TEST_CASE("one recorded program serves every split of a step's tokens among its sequences") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    const size_t vocab = m.config.vocab_size;
    plan::GpuForward batched(forward_device(), m.config, m.weights, batch_options());
    plan::ForwardOptions one = batch_options();
    one.max_sequences = 1;
    plan::GpuForward alone(forward_device(), m.config, m.weights, one);
    // 12 tokens over three sequences, split three ways: one program, and each
    // split's last rows are the rows of each sequence run alone.
    const std::vector<std::vector<uint32_t>> splits = {{7, 3, 2}, {2, 7, 3}, {4, 4, 4}};
    for (const auto& split : splits) {
        std::vector<plan::SequenceTokens> batch;
        std::vector<std::vector<float>> expected;
        uint32_t first = 0;
        for (uint32_t s = 0; s < split.size(); ++s) {
            const std::span<const int32_t> tokens(c.input_ids.data() + first, split[s]);
            batch.push_back({s, tokens});
            alone.reset();
            expected.push_back(alone.step(tokens, true));
            first += split[s];
        }
        const std::vector<float> rows = batched.step_batch(batch);
        for (size_t s = 0; s < split.size(); ++s)
            check_row(rows.data() + s * vocab, expected[s], "sequence " + std::to_string(s));
        for (uint32_t s = 0; s < split.size(); ++s) batched.reset_sequence(s);
    }
    CHECK(batched.program_count() == 1);
}

TEST_CASE("a batched top-k step hands back each sequence's best candidates") {
    ValidationCheck check;
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    const size_t vocab = m.config.vocab_size;
    plan::ForwardOptions o = batch_options();
    o.top_k = 8;
    plan::GpuForward with_top_k(forward_device(), m.config, m.weights, o);
    plan::GpuForward full_rows(forward_device(), m.config, m.weights, batch_options());
    const std::vector<plan::SequenceTokens> batch = {{0, std::span<const int32_t>(c.input_ids.data(), 5)},
                                                     {1, std::span<const int32_t>(c.input_ids.data() + 5, 9)},
                                                     {2, std::span<const int32_t>(c.input_ids.data() + 14, 1)}};
    const std::vector<plan::Candidates> got = with_top_k.step_batch_top_k(batch);
    const std::vector<float> rows = full_rows.step_batch(batch);
    REQUIRE(got.size() == batch.size());
    for (size_t s = 0; s < batch.size(); ++s) {
        INFO("sequence " << s);
        const float* row = rows.data() + s * vocab;
        REQUIRE(got[s].ids.size() == 8);
        // The k largest logits of the full row, best first (ties: lower id).
        std::vector<int32_t> order(vocab);
        for (size_t i = 0; i < vocab; ++i) order[i] = int32_t(i);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
        for (size_t j = 0; j < 8; ++j) {
            CHECK(got[s].ids[j] == order[j]);
            CHECK(std::abs(got[s].logits[j] - row[order[j]]) <= 1e-4f);
        }
        CHECK(argmax(row, vocab) == got[s].ids[0]);
        // The whole row stays on the device for a sampler the candidates cannot serve.
        check_row(with_top_k.top_k_step_row(s).data(), std::vector<float>(row, row + vocab), "kept row");
    }
    CHECK_THROWS_WITH(with_top_k.top_k_step_row(batch.size()), doctest::Contains("no row 3"));
}
