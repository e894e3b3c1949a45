// The CPU reference on every quantized GGUF fixture (tests/support/
// gguf_quant_cases.h) against the logits transformers computed on exactly the
// weights each file holds. Both sides are fp32 math on the same dequantized
// weights, so only summation order differs (~1e-6); 1e-4 relative per position
// leaves room for that and is still far below any decoding mistake (a wrong
// scale, nibble order or block lands at the preset's distance from the
// unquantized model, 0.02 to 0.8).
#include <doctest/doctest.h>

#include <string>

#include "model/load.h"
#include "reference/reference.h"
#include "support/gguf_quant_cases.h"

using namespace vkllm;
using namespace vkllm::test;

TEST_CASE("quantized GGUF fixtures: the CPU reference matches each preset's logits at every position") {
    for (const GgufQuantCase& c : kGgufQuantCases) {
        CAPTURE(c.name);
        CAPTURE(c.type);
        const GgufQuantFixture f = load_gguf_quant_fixture(c);
        const LoadedModel m = load_model(f.model_path);
        const std::vector<float> out = reference_forward(m.config, m.weights, f.input_ids);
        REQUIRE(out.size() == f.expected.size());
        const size_t cols = out.size() / f.input_ids.size();
        for (size_t row = 0; row < f.input_ids.size(); ++row) {
            const double rel = relative_error(out, f.expected, row, cols);
            CAPTURE(row);
            CAPTURE(rel);
            CHECK(rel <= 1e-4);
        }
    }
}
