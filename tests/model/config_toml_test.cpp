#include <doctest/doctest.h>

#include <filesystem>

#include "config_test_support.h"
#include "model/config_names.h"

using namespace vkllm;
using vkllm::test::check_error;
using vkllm::test::minimal_toml;

namespace {
std::string models_dir() { return std::string(VKLLM_SOURCE_DIR) + "/configs/models"; }
}  // namespace

TEST_CASE("every shipped model config parses and validates") {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(models_dir())) {
        if (entry.path().extension() != ".toml") continue;
        INFO(entry.path().string());
        CHECK_NOTHROW(parse_config_toml(entry.path().string()));
        ++count;
    }
    CHECK(count >= 13);
}

TEST_CASE("Llama-3.2-1B config has the published shape") {
    ModelConfig c = parse_config_toml(models_dir() + "/llama-3.2-1b.toml");
    CHECK(c.name == "llama-3.2-1b");
    CHECK(c.hidden_size == 2048);
    CHECK(c.num_layers == 16);
    CHECK(c.num_heads == 32);
    CHECK(c.kv_heads() == 8);
    CHECK(c.head_size() == 64);
    CHECK(c.ffn.intermediate_size == 8192);
    CHECK(c.vocab_size == 128256);
    CHECK(c.tie_embeddings);
    CHECK(c.rope.theta == 500000.0);
    CHECK(c.rope.scaling == RopeScaling::Llama3);
    CHECK(c.rope.factor == 32.0);
    CHECK(c.rope.low_freq_factor == 1.0);
    CHECK(c.rope.high_freq_factor == 4.0);
    CHECK(c.rope.original_max_position == 8192);
}

TEST_CASE("shipped shapes: Mistral window, Mixtral experts, GPT-2 and BERT layouts") {
    ModelConfig mistral = parse_config_toml(models_dir() + "/mistral-7b.toml");
    CHECK(mistral.attention.sliding_window == 4096);
    ModelConfig mixtral = parse_config_toml(models_dir() + "/mixtral-small.toml");
    CHECK(mixtral.moe.num_experts == 8);
    CHECK(mixtral.moe.top_k == 2);
    CHECK(mixtral.hidden_size == 4096);
    CHECK(mixtral.num_layers == 8);
    ModelConfig gpt2 = parse_config_toml(models_dir() + "/gpt2-small.toml");
    CHECK(gpt2.position == PositionEncoding::Learned);
    CHECK(gpt2.norm.type == NormType::LayerNorm);
    CHECK_FALSE(gpt2.ffn.gated);
    ModelConfig bert = parse_config_toml(models_dir() + "/bert-base.toml");
    CHECK(bert.kind == ModelKind::EncoderOnly);
    CHECK_FALSE(bert.attention.causal);
    CHECK_FALSE(bert.norm_before);
    CHECK(bert.type_vocab_size == 2);
}

TEST_CASE("defaults fill what a config leaves out") {
    ModelConfig c = parse_config_toml_string(minimal_toml, "mem.toml");
    CHECK(c.source_path == "mem.toml");
    CHECK(c.kind == ModelKind::DecoderOnly);
    CHECK(c.kv_heads() == 2);
    CHECK(c.head_size() == 8);
    CHECK(c.position == PositionEncoding::RoPE);
    CHECK(c.norm.type == NormType::RMSNorm);
    CHECK(c.attention.causal);
    CHECK(c.ffn.gated);
}

TEST_CASE("an encoder-only config defaults to bidirectional attention") {
    ModelConfig c = parse_config_toml_string(std::string("kind = \"encoder_only\"\n") + minimal_toml, "enc.toml");
    CHECK_FALSE(c.attention.causal);
}

TEST_CASE("an encoder's pooling: mean unless [output] pooling says cls; other values are refused by name") {
    const std::string enc = std::string("kind = \"encoder_only\"\n") + minimal_toml;
    CHECK(parse_config_toml_string(enc, "enc.toml").pooling == Pooling::Mean);
    CHECK(parse_config_toml_string(enc + "[output]\npooling = \"cls\"\n", "enc.toml").pooling == Pooling::Cls);
    check_error(enc + "[output]\npooling = \"max\"\n", "pooling");
}

TEST_CASE("integers are accepted where floats are expected") {
    ModelConfig c = parse_config_toml_string(std::string(minimal_toml) + "[position]\ntheta = 500000\n", "t.toml");
    CHECK(c.rope.theta == 500000.0);
}

TEST_CASE("TOML syntax errors give file:line:column") {
    check_error("name = \"x\"\n[model\nvocab_size = 3\n", "test.toml:2:");
    check_error("name = \"x\"\n[model\nvocab_size = 3\n", "TOML syntax error");
    check_error("name = \"x\"\nvocab_size = = 3\n", "test.toml:2:14");
}

TEST_CASE("unknown keys are errors with a suggestion") {
    check_error(std::string(minimal_toml) + "hiden_size = 3\n", "unknown key 'hiden_size' in [ffn]");
    check_error("[model]\nhiden_size = 16\n", "did you mean 'hidden_size'?");
    check_error("[model]\nhiden_size = 16\n", "test.toml:2:1");
    check_error("[attentoin]\ncausal = true\n", "did you mean 'attention'?");
    check_error("[position.rope_scaling]\nfactr = 2.0\n", "unknown key 'factr' in [position.rope_scaling]; did you mean 'factor'?");
    // Nothing close: no suggestion.
    std::string message = vkllm::test::parse_error("[model]\nzzzzzzzzzzzz = 1\n");
    CHECK(message.find("unknown key 'zzzzzzzzzzzz'") != std::string::npos);
    CHECK(message.find("did you mean") == std::string::npos);
}

TEST_CASE("wrong value types name the key and the expected type") {
    check_error("[model]\nhidden_size = \"big\"\n", "key 'model.hidden_size' must be an integer, got a string");
    check_error("[model]\nhidden_size = 16.5\n", "key 'model.hidden_size' must be an integer, got a float");
    check_error("[model]\nhidden_size = -16\n", "'model.hidden_size' = -16 is out of range");
    check_error("[model]\nhidden_size = 5000000000\n", "is out of range");
    check_error("[attention]\ncausal = 1\n", "key 'attention.causal' must be a boolean");
    check_error("[position]\ntheta = \"1e4\"\n", "key 'position.theta' must be a number, got a string");
    check_error("name = 3\n", "key 'name' must be a string, got an integer");
    check_error("model = 3\n", "key 'model' must be a table, got an integer");
    check_error("[tensor_names]\n\"token_embd.weight\" = 4\n", "must be a string");
}

TEST_CASE("bad enum values list the accepted ones") {
    check_error("[position]\ntype = \"rotary\"\n",
                "key 'position.type' = 'rotary' is not one of 'none', 'rope', 'alibi', 'learned' or 'sinusoidal'");
    check_error("[norm]\ntype = \"batchnorm\"\n", "'rmsnorm' or 'layernorm'");
    check_error("[position.rope_scaling]\ntype = \"ntk\"\n", "'linear', 'dynamic_ntk', 'yarn' or 'llama3'");
    check_error("[ffn]\nactivation = \"swish\"\n", "'relu', 'gelu', 'gelu_tanh' or 'silu'");
    check_error("kind = \"decoder\"\n", "'decoder_only' or 'encoder_only'");
    check_error("[moe]\nrouter = 3\n", "must be a string ('softmax' or 'sigmoid')");
    check_error("[moe]\ncapacity_overflow = \"spill\"\n", "'next_best' or 'drop'");
    check_error("[norm]\nplacement = \"middle\"\n", "'norm.placement' must be 'pre' or 'post'");
    check_error("[block]\nlayout = \"parallel\"\n", "'sequential' or 'parallel_residual'");
    check_error("[position]\nstyle = \"llama\"\n", "'neox' or 'gptj'");
}

TEST_CASE("a missing config file is an error naming it") {
    CHECK_THROWS_WITH_AS(parse_config_toml("/nonexistent/model.toml"),
                         doctest::Contains("/nonexistent/model.toml"), InputError);
}

TEST_CASE("enum spellings round trip") {
    for (const auto& [value, name] : enum_spellings<Activation>()) CHECK(enum_from_string<Activation>(name) == value);
    for (const auto& [value, name] : enum_spellings<RopeScaling>())
        CHECK(enum_from_string<RopeScaling>(name) == value);
    CHECK(to_string(PositionEncoding::ALiBi) == "alibi");
    CHECK_FALSE(enum_from_string<NormType>("RMSNorm").has_value());
}

TEST_CASE("a key in the wrong table says where it belongs") {
    check_error("hidden_size = 64\n", "unknown key 'hidden_size' at the top level; it belongs in [model]");
    CHECK(vkllm::test::parse_error("[model]\nsliding_window = 64\n") ==
          "test.toml:2:1: unknown key 'sliding_window' in [model]; it belongs in [attention]");
    check_error("[weights]\nname = \"x\"\n", "it belongs in the top level");
    check_error("[ffn]\ntype = \"rope\"\n", "it belongs in [norm], [position] or [position.rope_scaling]");
}

TEST_CASE("duplicate keys and tables are TOML errors") {
    check_error("[model]\nvocab_size = 3\nvocab_size = 4\n", "test.toml:3:");
    check_error("[model]\nvocab_size = 3\n[model]\nhidden_size = 4\n", "TOML syntax error");
}

TEST_CASE("RoPE frequency factors: one finite value > 0 per rotary pair, written back as read") {
    // head_dim 8: 4 rotary pairs.
    const std::string base = std::string(minimal_toml) + "[position]\n";
    ModelConfig c = parse_config_toml_string(base + "frequency_factors = [1, 2.5, 8, 0.5]\n", "f.toml");
    CHECK(c.rope.frequency_factors == std::vector<double>{1, 2.5, 8, 0.5});
    CHECK(parse_config_toml_string(config_to_toml(c), "f.toml") == c);
    check_error(base + "frequency_factors = [1, 2]\n",
                "position.frequency_factors: holds 2 values, expected one per rotary pair (4)");
    check_error(base + "frequency_factors = [1, 2, 0, 4]\n", "value 2 is 0.000000; every factor must be a finite");
    check_error(base + "frequency_factors = [1, 2, \"x\", 4]\n", "must hold only numbers, got a string");
    check_error(base + "frequency_factors = 2\n", "must be an array of numbers, got an integer");
    check_error(base + "type = \"alibi\"\nfrequency_factors = [1, 1, 1, 1]\n",
                "RoPE frequency factors need position.type = 'rope'");
}
