// The GPU forward pass end to end against Hugging Face transformers' outputs
// for every dense fixture, as one prefill and token by token through the paged
// KV cache. Tolerances:
//  - f32 weights and f32 KV: max |diff| <= 1e-4 and relative <= 1e-5. The
//    fixtures' second-fp32-backend noise is ~4e-6; we accumulate in float32 in
//    a different order, which lands within a few 1e-6.
//  - f16 KV cache: K and V are rounded to f16 (relative 2^-11 each), which
//    moves logits by ~3e-4 relative: bound 3e-3.
//  - f16 weight storage: every matrix rounded to f16 (and, on devices with
//    cooperative matrices, prefill activations too: ~5e-4 seen); same bound, 3e-3.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "support/fixture_files.h"
#include "model/load.h"
#include "plan/forward.h"
#include "vk/device.h"

using namespace vkllm;
using namespace vkllm::test;
using vkllm::test::read_f32_file;

namespace {

const char* kDenseCases[] = {"llama_gqa",  "llama_mqa",        "llama_mha_ropescaled", "mistral_swa",
                             "gemma_geglu", "phi_partial_rope", "gpt_neox_parallel",    "bloom_alibi",
                             "gpt2_abs",    "opt_relu",         "falcon_mqa"};

std::vector<float> run_prefill(const LoadedModel& m, plan::ForwardOptions o, const std::vector<int32_t>& ids) {
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    return forward.step(ids);
}

std::vector<float> run_decode(const LoadedModel& m, plan::ForwardOptions o, const std::vector<int32_t>& ids) {
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    return decode_rows(forward, ids);
}

plan::ForwardOptions f32_options() {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.kv_type = DType::F32;
    o.max_step_tokens = 20;  // 48 tokens go in three chunks: chunked prefill is exercised too
    o.f16_prefill_activations = false;
    return o;
}

}  // namespace

TEST_CASE("GPU prefill and decode match transformers for every dense architecture (f32)") {
    for (const char* name : kDenseCases) {
        ValidationCheck check;
        HfCase c = load_hf_case(name);
        LoadedModel m = load_model(c.dir);
        for (bool decode : {false, true}) {
            auto out = decode ? run_decode(m, f32_options(), c.input_ids) : run_prefill(m, f32_options(), c.input_ids);
            Errors e = compare(out, c.expected);
            INFO(name << (decode ? " decode" : " prefill") << ": max abs " << e.max_abs << ", relative " << e.relative);
            CHECK(e.max_abs <= 1e-4);
            CHECK(e.relative <= 1e-5);
        }
    }
}

TEST_CASE("GPU encoder (BERT) hidden states match transformers") {
    ValidationCheck check;
    HfCase c = load_hf_case("bert_encoder");
    LoadedModel m = load_model(c.dir);
    Errors e = compare(run_prefill(m, f32_options(), c.input_ids), c.expected);
    INFO("max abs " << e.max_abs << ", relative " << e.relative);
    CHECK(e.max_abs <= 1e-4);
    CHECK(e.relative <= 1e-5);
    plan::GpuForward forward(forward_device(), m.config, m.weights, f32_options());
    forward.step(std::span<const int32_t>(c.input_ids.data(), 3));
    CHECK_THROWS_WITH(forward.step(std::span<const int32_t>(c.input_ids.data(), 3)),
                      doctest::Contains("one step"));
}

TEST_CASE("f16 KV cache and f16 weights stay within their rounding") {
    const bool has_f16 = forward_device().caps().storage_16bit;
    for (const char* name : {"llama_gqa", "gpt_neox_parallel", "bloom_alibi"}) {
        ValidationCheck check;
        HfCase c = load_hf_case(name);
        LoadedModel m = load_model(c.dir);
        plan::ForwardOptions o = f32_options();
        o.storage = plan::MatrixStorage::F16;  // packed-f16 variants where 16-bit storage is missing
        o.f16_prefill_activations = true;      // cooperative-matrix prefill where the device has it
        if (has_f16) o.kv_type = DType::F16;
        for (bool decode : {false, true}) {
            auto out = decode ? run_decode(m, o, c.input_ids) : run_prefill(m, o, c.input_ids);
            Errors e = compare(out, c.expected);
            INFO(name << (decode ? " decode" : " prefill") << " f16: relative " << e.relative);
            CHECK(e.relative <= 3e-3);
        }
    }
}

TEST_CASE("greedy generation through the KV cache reproduces transformers' tokens") {
    for (const char* name : {"llama_gqa", "mistral_swa", "gpt2_abs", "falcon_mqa"}) {
        ValidationCheck check;
        HfCase c = load_hf_case(name);
        LoadedModel m = load_model(c.dir);
        INFO(name);
        CHECK(greedy_tokens(m, f32_options(), c.prompt_ids, c.generated_ids.size()) == c.generated_ids);
    }
}

TEST_CASE("the forward pass refuses bad input with clear messages") {
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::GpuForward forward(forward_device(), m.config, m.weights, f32_options());
    std::vector<int32_t> bad = {1, int32_t(m.config.vocab_size)};
    CHECK_THROWS_WITH(forward.step(bad), doctest::Contains("outside the vocabulary"));
    std::vector<int32_t> too_long(m.config.max_position + 1, 1);
    CHECK_THROWS_WITH(forward.step(too_long), doctest::Contains("exceed the model's context"));
    plan::ForwardOptions tiny = f32_options();
    tiny.kv_budget_bytes = 1;
    CHECK_THROWS(plan::GpuForward(forward_device(), m.config, m.weights, tiny));
}

TEST_CASE("sliding-window layers hand KV blocks back as the window moves") {
    HfCase c = load_hf_case("mistral_swa");
    LoadedModel m = load_model(c.dir);
    plan::ForwardOptions o = f32_options();
    o.kv_block_size = 4;
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    forward.step(c.input_ids);
    // 48 tokens in blocks of 4 with a window of 8: at most ceil(8/4) + 1 blocks stay live.
    CHECK(forward.kv_usage().blocks_used <= 3);
    CHECK(forward.kv_usage().blocks_used >= 2);
}

TEST_CASE("GGUF models (F32, F16 and Q8_0 weights used as stored) match their reference logits") {
    // The references were computed on exactly the weights each file holds, so
    // with f32 activations and KV the bounds are the f32 ones above.
    for (const char* name : {"llama_gqa", "llama_mqa", "llama_mha_ropescaled"}) {
        for (const char* type : {"f32", "f16", "q8_0"}) {
            ValidationCheck check;
            const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/gguf/" + name;
            LoadedModel m = load_model(dir + "/model-" + type + ".gguf");
            HfCase c = load_hf_case(name);
            std::vector<float> expected = read_f32_file(dir + "/reference_logits_" + type + ".bin");
            plan::ForwardOptions o = f32_options();
            o.storage = plan::MatrixStorage::AsStored;
            for (bool decode : {false, true}) {
                auto out = decode ? run_decode(m, o, c.input_ids) : run_prefill(m, o, c.input_ids);
                Errors e = compare(out, expected);
                INFO(name << " " << type << (decode ? " decode" : " prefill") << ": max abs " << e.max_abs
                          << ", relative " << e.relative);
                CHECK(e.relative <= 1e-5);
            }
        }
    }
}

TEST_CASE("top-k candidates selected on the GPU agree with the full logits row") {
    HfCase c = load_hf_case("llama_gqa");
    LoadedModel m = load_model(c.dir);
    plan::ForwardOptions o = f32_options();
    o.top_k = 8;
    plan::GpuForward full(forward_device(), m.config, m.weights, o);
    plan::GpuForward candidates(forward_device(), m.config, m.weights, o);
    ValidationCheck check;
    std::vector<int32_t> prompt(c.input_ids.begin(), c.input_ids.begin() + 30);  // two chunks of 20 and 10
    std::vector<float> row = full.step(prompt, true);
    plan::Candidates top = candidates.step_top_k(prompt);
    for (int step = 0; step < 5; ++step) {
        std::vector<int32_t> order(row.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
        REQUIRE(top.ids.size() == 8);
        for (size_t i = 0; i < 8; ++i) {
            CHECK(top.ids[i] == order[i]);
            CHECK(top.logits[i] == doctest::Approx(row[order[i]]).epsilon(1e-6));
        }
        int32_t next = top.ids[0];
        row = full.step(std::span<const int32_t>(&next, 1), true);
        top = candidates.step_top_k(std::span<const int32_t>(&next, 1));
    }
}
