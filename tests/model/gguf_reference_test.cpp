// End to end: the CPU reference on each GGUF fixture's weights reproduces the
// logits transformers computed on the same (dequantized) weights.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/load.h"
#include "support/fixture_files.h"
#include "support/logit_compare.h"
#include "reference/reference.h"

using namespace vkllm;

namespace {

std::string case_dir(const std::string& name) { return std::string(VKLLM_TEST_DATA_DIR) + "/gguf/" + name; }

using vkllm::test::read_f32_file;

void check_case(const std::string& name) {
    const std::string dir = case_dir(name);
    nlohmann::json ref = nlohmann::json::parse(std::ifstream(dir + "/gguf_reference.json"));
    const std::vector<int32_t> tokens = ref["input_ids"].get<std::vector<int32_t>>();
    for (const char* type : {"f32", "f16", "q8_0"}) {
        CAPTURE(name);
        CAPTURE(type);
        LoadedModel m = load_model(dir + "/model-" + type + ".gguf");
        const std::vector<float> out = reference_forward(m.config, m.weights, tokens);
        const std::vector<float> expected = read_f32_file(dir + "/reference_logits_" + type + ".bin");
        REQUIRE(out.size() == expected.size());

        // Both sides compute in fp32 (or better) on identical weights, so only
        // summation order differs: ~1e-6 relative; 1e-5 catches any wrong row,
        // scale or block while leaving that noise room.
        const double rel = vkllm::test::relative_error(out, expected);
        CAPTURE(rel);
        CHECK(rel <= 1e-5);
    }
}

}  // namespace

TEST_CASE("gguf reference logits: llama_gqa") { check_case("llama_gqa"); }
TEST_CASE("gguf reference logits: llama_mqa") { check_case("llama_mqa"); }
TEST_CASE("gguf reference logits: llama_mha_ropescaled") { check_case("llama_mha_ropescaled"); }
