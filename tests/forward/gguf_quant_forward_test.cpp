// The GPU forward pass on every quantized GGUF fixture (tests/support/
// gguf_quant_cases.h), weights used as stored, in one prefill and token by
// token through the KV cache. Each position must be within 5e-3 relative of the
// preset's reference logits (f32 activations and KV; the bound leaves room for
// f16 rounding inside the kernels), and the whole result within a tenth of the
// distance between that reference and the unquantized model's logits: a kernel
// that decodes a block wrongly lands near neither.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "forward/forward_context.h"
#include "model/load.h"
#include "plan/forward.h"
#include "support/gguf_quant_cases.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

plan::ForwardOptions as_stored_options() {
    plan::ForwardOptions o;
    o.storage = plan::MatrixStorage::AsStored;
    o.kv_type = DType::F32;
    o.max_step_tokens = 16;
    o.f16_prefill_activations = false;
    return o;
}

}  // namespace

TEST_CASE("quantized GGUF fixtures: GPU prefill and decode match each preset's logits") {
    for (const GgufQuantCase& c : kGgufQuantCases) {
        CAPTURE(c.name);
        CAPTURE(c.type);
        ValidationCheck check;
        const GgufQuantFixture f = load_gguf_quant_fixture(c);
        const LoadedModel m = load_model(f.model_path);
        const double tenth = 0.1 * distance(f.expected, f.unquantized);
        for (bool decode : {false, true}) {
            plan::GpuForward forward(forward_device(), m.config, m.weights, as_stored_options());
            const std::vector<float> out = decode ? decode_rows(forward, f.input_ids) : forward.step(f.input_ids);
            REQUIRE(out.size() == f.expected.size());
            INFO(c.name << " " << c.type << (decode ? " decode" : " prefill") << ": relative "
                        << relative_error(out, f.expected) << ", distance " << distance(out, f.expected)
                        << " (a tenth of the way to unquantized: " << tenth << ")");
            const size_t cols = out.size() / f.input_ids.size();
            for (size_t row = 0; row < f.input_ids.size(); ++row) {
                CAPTURE(row);
                CHECK(relative_error(out, f.expected, row, cols) <= 5e-3);
            }
            CHECK(distance(out, f.expected) <= tenth);
        }
    }
}
