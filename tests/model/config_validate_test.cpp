#include <doctest/doctest.h>

#include "config_test_support.h"

using namespace vkllm;
using vkllm::test::check_error;

namespace {

// minimal_toml with one table appended or a [model] key overridden.
std::string with(const std::string& extra) { return std::string(vkllm::test::minimal_toml) + extra; }

std::string model(const std::string& model_keys, const std::string& extra = "") {
    return "[model]\n" + model_keys + "\n[ffn]\nintermediate_size = 32\n" + extra;
}

}  // namespace

TEST_CASE("sizes must be positive; messages name the file and key") {
    check_error(model("hidden_size = 16\nnum_layers = 1\nnum_heads = 2"), "test.toml: model.vocab_size: must be > 0");
    check_error(model("vocab_size = 8\nnum_layers = 1\nnum_heads = 2"), "model.hidden_size: must be > 0");
    check_error(model("vocab_size = 8\nhidden_size = 16\nnum_heads = 2"), "model.num_layers: must be > 0");
    check_error(model("vocab_size = 8\nhidden_size = 16\nnum_layers = 1"), "model.num_heads: must be > 0");
    check_error(model("vocab_size = 8\nhidden_size = 16\nnum_layers = 1\nnum_heads = 2\nmax_position = 0"),
                "model.max_position: must be > 0");
    check_error("[model]\nvocab_size = 8\nhidden_size = 16\nnum_layers = 1\nnum_heads = 2\n",
                "ffn.intermediate_size: must be > 0");
}

TEST_CASE("absurd sizes are rejected") {
    const std::string rest = "\nnum_layers = 1\nnum_heads = 2";
    check_error(model("vocab_size = 16777217\nhidden_size = 16" + rest), "model.vocab_size: 16777217 is larger");
    check_error(model("vocab_size = 8\nhidden_size = 65538" + rest), "model.hidden_size: 65538 is larger");
    check_error(model("vocab_size = 8\nhidden_size = 16\nnum_layers = 1025\nnum_heads = 2"),
                "model.num_layers: 1025 is larger");
    check_error(with("[moe]\nnum_experts = 100000\ntop_k = 1\n"), "moe.num_experts: 100000 is larger");
    check_error(with("[moe]\nnum_experts = 4\ntop_k = 1\ndense = true\ncapacity_factor = 1.0\n"),
                "moe.capacity_factor: does not apply to a dense MoE");
    check_error(model("vocab_size = 8\nhidden_size = 16\nnum_layers = 1\nnum_heads = 2\nmax_position = 100000000"),
                "model.max_position");
}

TEST_CASE("head counts must divide") {
    const std::string base = "vocab_size = 8\nhidden_size = 48\nnum_layers = 1\n";
    check_error(model(base + "num_heads = 6\nnum_kv_heads = 4"),
                "model.num_kv_heads: model.num_heads = 6 is not a multiple of model.num_kv_heads = 4");
    check_error(model(base + "num_heads = 6\nnum_kv_heads = 12"), "12 is more than model.num_heads = 6");
    check_error(model(base + "num_heads = 5"), "model.hidden_size: 48 is not divisible by model.num_heads = 5");
    // An explicit head_dim lifts the divisibility rule (hidden != heads * head_dim is allowed).
    CHECK_NOTHROW(parse_config_toml_string(model(base + "num_heads = 5\nhead_dim = 16"), "ok.toml"));
    CHECK_NOTHROW(parse_config_toml_string(model(base + "num_heads = 6\nnum_kv_heads = 1"), "mqa.toml"));
}

TEST_CASE("RoPE: rotary fraction and rotary dims") {
    check_error(with("[position]\npartial_rotary_fraction = 0.0\n"),
                "position.partial_rotary_fraction: 0.000000 is outside (0, 1]");
    check_error(with("[position]\npartial_rotary_fraction = 1.5\n"), "is outside (0, 1]");
    // head_dim 8 * 0.25 = 2 rotary dims is fine; 8 * 0.125 = 1 is odd.
    CHECK_NOTHROW(parse_config_toml_string(with("[position]\npartial_rotary_fraction = 0.25\n"), "ok.toml"));
    check_error(with("[position]\npartial_rotary_fraction = 0.125\n"), "even, nonzero");
    check_error(with("[position]\npartial_rotary_fraction = 0.3\n"), "not a whole number of rotary dims");
    check_error(model("vocab_size = 8\nhidden_size = 14\nnum_layers = 1\nnum_heads = 2"), "even, nonzero");
    check_error(with("[position]\ntheta = 0.0\n"), "position.theta: must be > 0");
}

TEST_CASE("RoPE scaling parameters") {
    check_error(with("[position.rope_scaling]\ntype = \"linear\"\nfactor = 0.5\n"),
                "position.rope_scaling.factor: 0.500000 must be >= 1");
    CHECK_NOTHROW(parse_config_toml_string(with("[position.rope_scaling]\ntype = \"linear\"\nfactor = 2\n"), "ok"));
    for (const char* type : {"dynamic_ntk", "yarn", "llama3"}) {
        INFO(type);
        check_error(with(std::string("[position.rope_scaling]\ntype = \"") + type + "\"\nfactor = 4.0\n"),
                    "position.rope_scaling.original_max_position: must be > 0");
    }
    check_error(with("[position.rope_scaling]\ntype = \"llama3\"\nfactor = 8.0\noriginal_max_position = 8192\n"
                     "low_freq_factor = 4.0\nhigh_freq_factor = 1.0\n"),
                "position.rope_scaling.high_freq_factor: must be greater than low_freq_factor");
    check_error(with("[position.rope_scaling]\ntype = \"yarn\"\nfactor = 8.0\noriginal_max_position = 4096\n"
                     "beta_fast = 1.0\nbeta_slow = 32.0\n"),
                "position.rope_scaling.beta_fast: must be greater than beta_slow");
    check_error(with("[position]\ntype = \"alibi\"\n[position.rope_scaling]\ntype = \"linear\"\nfactor = 2.0\n"),
                "RoPE scaling needs position.type = 'rope', not 'alibi'");
}

TEST_CASE("positions: ALiBi with causal or bidirectional models; learned offset only for learned") {
    CHECK_NOTHROW(parse_config_toml_string(with("[position]\ntype = \"alibi\"\n"), "causal.toml"));
    CHECK_NOTHROW(parse_config_toml_string(
        std::string("kind = \"encoder_only\"\n") + with("[position]\ntype = \"alibi\"\n"), "bidi.toml"));
    CHECK_NOTHROW(parse_config_toml_string(with("[position]\ntype = \"learned\"\nlearned_offset = 2\n"), "opt"));
    check_error(with("[position]\nlearned_offset = 2\n"), "position.learned_offset: only applies to");
}

TEST_CASE("attention rules") {
    check_error(std::string("kind = \"encoder_only\"\n") + with("[attention]\ncausal = true\n"),
                "attention.causal: an encoder-only model attends both ways");
    check_error(with("[attention]\nsliding_window = 0\n"), "'attention.sliding_window' must be > 0 when given");
    check_error(with("[attention]\nsliding_window = 0\n"), "test.toml:");
    check_error(with("[attention]\ncausal = false\nsliding_window = 16\n"), "a sliding window needs causal attention");
    check_error(with("[attention]\nlogit_softcap = -1.0\n"), "attention.logit_softcap: must be >= 0");
    check_error(with("[attention]\nscale = nan\n"), "attention.scale: must be a finite number");
    CHECK_NOTHROW(parse_config_toml_string(with("[attention]\nsliding_window = 4096\n"), "ok"));
}

TEST_CASE("norm rules") {
    check_error(with("[norm]\nepsilon = 0.0\n"), "norm.epsilon: must be > 0");
    check_error(with("[norm]\nepsilon = 2.0\n"), "is not a small epsilon");
    check_error(with("[norm]\nbias = true\n"), "norm.bias: RMSNorm has no bias");
    check_error(with("[norm]\nplacement = \"post\"\n[block]\nlayout = \"parallel_residual\"\n"),
                "block.layout: a parallel residual block needs norm.placement = 'pre'");
}

TEST_CASE("mixture-of-experts rules") {
    check_error(with("[moe]\nnum_experts = 8\ntop_k = 0\n"), "moe.top_k: 0 is outside [1, moe.num_experts = 8]");
    check_error(with("[moe]\nnum_experts = 8\ntop_k = 9\n"), "moe.top_k: 9 is outside [1, moe.num_experts = 8]");
    check_error(with("[moe]\ntop_k = 2\n"), "moe.top_k: is set but moe.num_experts is 0");
    check_error(with("[moe]\nnum_experts = 4\ntop_k = 1\nshared_expert_gate = true\n"),
                "moe.shared_expert_gate: needs moe.shared_experts > 0");
    check_error("[model]\nvocab_size = 8\nhidden_size = 16\nnum_layers = 1\nnum_heads = 2\n[moe]\nnum_experts = 4\n"
                "top_k = 2\n",
                "moe.expert_intermediate_size: must be > 0");
    CHECK_NOTHROW(parse_config_toml_string(
        "[model]\nvocab_size = 8\nhidden_size = 16\nnum_layers = 1\nnum_heads = 2\n[moe]\nnum_experts = 4\n"
        "top_k = 2\nexpert_intermediate_size = 24\nshared_experts = 1\nshared_expert_gate = true\n",
        "moe.toml"));
}

TEST_CASE("weights table values") {
    check_error(with("[weights]\ndtype = \"f8\"\n"), "weights.dtype: 'f8' is not one of");
    check_error(with("[weights]\nformat = \"pickle\"\n"), "weights.format: 'pickle' is not one of");
    check_error(with("[embeddings]\nscale = 0.0\n"), "embeddings.scale: must be > 0");
}

TEST_CASE("validate() works on configs built in code") {
    ModelConfig c;
    c.source_path = "built-in";
    c.vocab_size = 10;
    c.hidden_size = 8;
    c.num_layers = 1;
    c.num_heads = 2;
    c.ffn.intermediate_size = 16;
    CHECK_NOTHROW(validate(c));
    c.num_kv_heads = 3;
    CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("built-in: model.num_kv_heads"), InputError);
}
