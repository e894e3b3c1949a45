#include <doctest/doctest.h>

#include <filesystem>

#include "config_test_support.h"

using namespace vkllm;

namespace {

ModelConfig reparse(const ModelConfig& c) {
    ModelConfig back = parse_config_toml_string(config_to_toml(c), c.source_path);
    return back;
}

// Every field set away from its default, with values that need all 17 digits.
ModelConfig unusual_config() {
    ModelConfig c;
    c.name = "odd \"name\"\\ with\ttab";
    c.source_path = "odd.toml";
    c.vocab_size = 1000;
    c.hidden_size = 96;
    c.num_layers = 3;
    c.num_heads = 6;
    c.num_kv_heads = 3;
    c.head_dim = 20;
    c.max_position = 4096;
    c.type_vocab_size = 3;
    c.norm = {NormType::LayerNorm, 1.0 / 3.0 * 1e-5, true, true};
    c.norm_before = true;
    c.block = BlockLayout::ParallelResidual;
    c.parallel_shared_norm = false;
    c.position = PositionEncoding::RoPE;
    c.rope.theta = 12345.678901234567;
    c.rope.partial_rotary_fraction = 0.5;
    c.rope.style = RopeStyle::GPTJ;
    c.rope.scaling = RopeScaling::YaRN;
    c.rope.factor = 4.25;
    c.rope.original_max_position = 1024;
    c.rope.low_freq_factor = 2.0;
    c.rope.high_freq_factor = 8.0;
    c.rope.beta_fast = 30.0;
    c.rope.beta_slow = 0.1;
    c.rope.attention_factor = 1.1;
    c.attention = {true, 512, 50.0, true, true, true, 0.1};
    c.ffn = {false, Activation::GELUTanh, 200, true};
    c.moe.num_experts = 4;
    c.moe.top_k = 3;
    c.moe.renormalize_top_k = false;
    c.moe.router = RouterType::Sigmoid;
    c.moe.expert_intermediate_size = 64;
    c.moe.shared_experts = 2;
    c.moe.shared_expert_intermediate_size = 128;
    c.moe.shared_expert_gate = true;
    c.moe.capacity_factor = 1.25;
    c.moe.capacity_overflow = CapacityOverflow::Drop;
    c.moe.dense = false;  // a dense MoE takes no capacity factor (validate)
    c.tie_embeddings = true;
    c.embedding_scale = 9.797958971132712;
    c.embedding_norm = true;
    c.final_norm = false;
    c.lm_head_bias = true;
    c.dtype = "q4_0";
    c.weights = "weights/model.gguf";
    c.tokenizer = "tok.json";
    c.weight_format = "gguf";
    c.hf_architecture = "LlamaForCausalLM";
    c.tensor_names = {{"layers.{i}.attn.q", "blk.{i}.attn_q"}, {"token_embd.weight", "weird key = \"x\""}};
    return c;
}

}  // namespace

TEST_CASE("config_to_toml round trips every field") {
    ModelConfig c = unusual_config();
    validate(c);
    ModelConfig back = reparse(c);
    CHECK(back == c);
    // Spot checks, so a failing comparison says where.
    CHECK(back.name == c.name);
    CHECK(back.norm.epsilon == c.norm.epsilon);
    CHECK(back.rope == c.rope);
    CHECK(back.attention == c.attention);
    CHECK(back.moe == c.moe);
    CHECK(back.tensor_names == c.tensor_names);
}

TEST_CASE("config_to_toml round trips defaults and each shipped config") {
    ModelConfig minimal = parse_config_toml_string(vkllm::test::minimal_toml, "m.toml");
    CHECK(reparse(minimal) == minimal);
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(VKLLM_SOURCE_DIR) + "/configs/models")) {
        if (entry.path().extension() != ".toml") continue;
        INFO(entry.path().string());
        ModelConfig c = parse_config_toml(entry.path().string());
        CHECK(reparse(c) == c);
    }
}

TEST_CASE("config_to_toml round trips an encoder with ALiBi and no positions rows") {
    ModelConfig c = parse_config_toml_string(std::string("kind = \"encoder_only\"\n") + vkllm::test::minimal_toml +
                                                 "[position]\ntype = \"alibi\"\n",
                                             "e.toml");
    CHECK(reparse(c) == c);
}
