// Quantized KV caches end to end: the shipped default model (Llama, head size
// 64, 2 kv heads, 6 layers) with f32 weights, its logits through a q8_0 or
// q4_0 KV cache against the CPU reference (float32 weights, no cache), in one
// chunked prefill and token by token (split-key decode attention).
// Bounds (relative L2 over all logits, measured on lavapipe in brackets):
//  - f32 KV: the engine itself, <= 1e-5 as the other end-to-end suites [3e-7].
//  - q8_0 KV: every K/V value rounded to one of 255 steps of its 32-value
//    block's largest magnitude: ~2.5 sigma / 127 / sqrt(12), about 6e-3 of a
//    typical value's size RMS. Through 6 layers of softmax-weighted sums the
//    logits move by less [1.7e-3 in prefill and in decode]: bound 5e-3,
//    three times that; a block decoded wrongly (a misplaced scale or code, a
//    K row read as V) moves them by tens of percent. It must also differ from
//    the f32 run by more than 1e-4: the blocks really are what attention reads.
//  - q4_0 KV: 15 steps a block, 16x coarser [2.8e-2]: bound 8e-2.
#include <doctest/doctest.h>

#include <string>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "model/load.h"
#include "plan/forward.h"
#include "reference/reference.h"
#include "support/fixture_files.h"
#include "support/logit_compare.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct KvRun {
    double prefill = 0, decode = 0;
};

KvRun run(const LoadedModel& m, DType kv_type, const std::vector<int32_t>& ids, const std::vector<float>& expected) {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::F32;
    o.f16_prefill_activations = false;
    o.kv_type = kv_type;
    o.max_step_tokens = 48;  // the prompt goes in three chunks
    KvRun r;
    {
        plan::GpuForward forward(forward_device(), m.config, m.weights, o);
        CHECK(forward.kv_type() == kv_type);
        r.prefill = relative_error(forward.step(ids), expected);
    }
    plan::GpuForward forward(forward_device(), m.config, m.weights, o);
    r.decode = relative_error(decode_rows(forward, ids), expected);
    MESSAGE(std::string(dtype_traits(kv_type).name) << " KV: logits relative to the reference " << r.prefill << " (prefill), "
                                       << r.decode << " (decode)");
    return r;
}

}  // namespace

TEST_CASE("quantized KV cache: logits of the default model stay near the reference") {
    ValidationCheck check;
    const std::string dir = std::string(VKLLM_SOURCE_DIR) + "/models/default";
    LoadedModel m = load_model(dir);
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(m.config.tokenizer);
    std::vector<int32_t> ids = tok.encode(read_text_file(dir + "/heldout.txt"), false);
    ids.resize(120);
    const std::vector<float> expected = reference_forward(m.config, m.weights, ids);

    const KvRun f32 = run(m, DType::F32, ids, expected);
    CHECK(f32.prefill <= 1e-5);
    CHECK(f32.decode <= 1e-5);
    const KvRun q8 = run(m, DType::Q8_0, ids, expected);
    CHECK(q8.prefill <= 5e-3);
    CHECK(q8.decode <= 5e-3);
    CHECK(q8.prefill > 1e-4);
    const KvRun q4 = run(m, DType::Q4_0, ids, expected);
    CHECK(q4.prefill <= 8e-2);
    CHECK(q4.decode <= 8e-2);
    CHECK(q4.prefill > q8.prefill);
}

TEST_CASE("quantized KV cache: a head size that is not whole blocks is refused by name") {
    ValidationCheck check;
    LoadedModel m = load_model(load_hf_case("llama_gqa").dir);  // head size 16
    plan::ForwardOptions o;
    o.kv_type = DType::Q8_0;
    CHECK_THROWS_WITH_AS(plan::GpuForward(forward_device(), m.config, m.weights, o),
                         doctest::Contains("head_dim 16 is not a multiple of 32"), InputError);
}
