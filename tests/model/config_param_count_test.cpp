#include <doctest/doctest.h>

#include "config_test_support.h"
#include "model/param_count.h"

using namespace vkllm;

namespace {
ModelConfig shipped(const char* name) {
    return parse_config_toml(std::string(VKLLM_SOURCE_DIR) + "/configs/models/" + name);
}
}  // namespace

// Reference totals are the parameter counts the model authors publish.
TEST_CASE("parameter counts of known shapes") {
    CHECK(count_parameters(shipped("llama-3.2-1b.toml")).total == 1'235'814'400ull);
    CHECK(count_parameters(shipped("llama-3-8b.toml")).total == 8'030'261'248ull);
    CHECK(count_parameters(shipped("mistral-7b.toml")).total == 7'241'732'096ull);
    CHECK(count_parameters(shipped("gpt2-small.toml")).total == 124'439'808ull);
    CHECK(count_parameters(shipped("qwen3-0.6b.toml")).total == 596'049'920ull);
    CHECK(count_parameters(shipped("gemma-2b.toml")).total == 2'506'172'416ull);
    // Published: Gemma-2-2B 2,614,341,888; Gemma-3-1B 999,885,952 (the sandwich and q/k norms included).
    CHECK(count_parameters(shipped("gemma-2-2b.toml")).total == 2'614'341'888ull);
    CHECK(count_parameters(shipped("gemma-3-1b.toml")).total == 999'885'952ull);
    CHECK(count_parameters(shipped("falcon-7b.toml")).total == 6'921'720'704ull);
    CHECK(count_parameters(shipped("bloom-560m.toml")).total == 559'214'592ull);
    CHECK(count_parameters(shipped("opt-125m.toml")).total == 125'239'296ull);
    CHECK(count_parameters(shipped("phi-2.toml")).total == 2'779'683'840ull);
    // BERT-base is quoted as 109.48 M with its 590,592-parameter pooler, which is not part of our layout.
    CHECK(count_parameters(shipped("bert-base.toml")).total == 109'482'240ull - 590'592ull);
}

TEST_CASE("MoE active parameters: Mixtral-8x7B total and per-token") {
    ModelConfig c = shipped("mixtral-small.toml");
    c.num_layers = 32;
    ParameterCount p = count_parameters(c);
    CHECK(p.total == 46'702'792'704ull);
    CHECK(p.active_per_token == 12'879'925'248ull);
    c.moe.dense = true;
    CHECK(count_parameters(c).active_per_token == count_parameters(c).total);
    CHECK(count_parameters(shipped("llama-3-8b.toml")).active_per_token == 8'030'261'248ull);
}

TEST_CASE("attention kind") {
    ModelConfig c = shipped("llama-3.2-1b.toml");
    CHECK(attention_kind(c) == "GQA");
    CHECK(attention_kind(shipped("gpt2-small.toml")) == "MHA");
    c.num_kv_heads = 1;
    CHECK(attention_kind(c) == "MQA");
}
