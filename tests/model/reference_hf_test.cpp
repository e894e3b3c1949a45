// End-to-end check of the Hugging Face import and the CPU reference against
// outputs recorded from transformers (tests/data/hf/README.md).
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

std::string case_dir(const std::string& name) { return std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name; }

using vkllm::test::read_f32_file;

std::vector<int32_t> ids(const nlohmann::json& j) { return j.get<std::vector<int32_t>>(); }

void check_case(const std::string& name) {
    CAPTURE(name);
    const std::string dir = case_dir(name);
    nlohmann::json ref = nlohmann::json::parse(std::ifstream(dir + "/reference.json"));
    const ModelConfig config = import_hf_config(dir);
    const ModelWeights weights = load_hf_weights(config, dir);

    const std::vector<int32_t> tokens = ids(ref["input"]["input_ids"]);
    std::vector<int32_t> types;
    if (ref["input"].contains("token_type_ids")) types = ids(ref["input"]["token_type_ids"]);
    const std::vector<float> out = reference_forward(config, weights, tokens, types);
    const std::vector<float> expected = read_f32_file(dir + "/" + ref["output"]["file"].get<std::string>());
    REQUIRE(out.size() == expected.size());

    // fp32 end to end: the fixtures' own second-backend noise is ~4e-6, so 1e-4
    // absolute and 1e-5 relative leave margin while catching any real mistake.
    const double max_abs = vkllm::test::max_abs_error(out, expected);
    const double rel = vkllm::test::relative_error(out, expected);
    CAPTURE(max_abs);
    CAPTURE(rel);
    CHECK(max_abs <= 1e-4);
    CHECK(rel <= 1e-5);

    const nlohmann::json& gen = ref["generation"];
    if (gen.is_null()) return;
    // Greedy decoding: the fixture's top-1/top-2 margins are >= 2e-3, far above our error.
    const std::vector<int32_t> generated =
        reference_greedy(config, weights, ids(gen["prompt_ids"]), uint32_t(gen["generated_ids"].size()));
    CHECK(generated == ids(gen["generated_ids"]));
}

}  // namespace

TEST_CASE("reference vs transformers: llama_gqa") { check_case("llama_gqa"); }
TEST_CASE("reference vs transformers: llama_mqa") { check_case("llama_mqa"); }
TEST_CASE("reference vs transformers: llama_mha_ropescaled") { check_case("llama_mha_ropescaled"); }
TEST_CASE("reference vs transformers: mistral_swa") { check_case("mistral_swa"); }
TEST_CASE("reference vs transformers: mixtral_moe") { check_case("mixtral_moe"); }
TEST_CASE("reference vs transformers: qwen2_moe") { check_case("qwen2_moe"); }
TEST_CASE("reference vs transformers: qwen3_moe") { check_case("qwen3_moe"); }
TEST_CASE("reference vs transformers: bloom_alibi") { check_case("bloom_alibi"); }
TEST_CASE("reference vs transformers: gpt2_abs") { check_case("gpt2_abs"); }
TEST_CASE("reference vs transformers: opt_relu") { check_case("opt_relu"); }
TEST_CASE("reference vs transformers: falcon_mqa") { check_case("falcon_mqa"); }
TEST_CASE("reference vs transformers: gemma_geglu") { check_case("gemma_geglu"); }
TEST_CASE("reference vs transformers: phi_partial_rope") { check_case("phi_partial_rope"); }
TEST_CASE("reference vs transformers: gpt_neox_parallel") { check_case("gpt_neox_parallel"); }
TEST_CASE("reference vs transformers: bert_encoder") { check_case("bert_encoder"); }
