#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "model/load.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name; }

// A model directory holding only the given config.json.
std::string config_dir(const std::string& name, const std::string& json) {
    static const struct Scratch {
        fs::path root = fs::temp_directory_path() / ("vkllm_hf_config_test_" + std::to_string(::getpid()));
        ~Scratch() {
            std::error_code ec;
            fs::remove_all(root, ec);
        }
    } scratch;
    fs::path dir = scratch.root / name;
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << json;
    return dir.string();
}

std::string import_error(const std::string& dir) {
    try {
        import_hf_config(dir);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

const char* kLlamaBase = R"("vocab_size": 256, "hidden_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
    "max_position_embeddings": 4096, "rms_norm_eps": 1e-5)";

}  // namespace

TEST_CASE("HF config: llama_gqa fields") {
    const ModelConfig c = import_hf_config(fixture("llama_gqa"));
    CHECK(c.hf_architecture == "LlamaForCausalLM");
    CHECK(c.weight_format == "hf");
    CHECK(c.weights == fixture("llama_gqa"));
    CHECK(c.name == "llama_gqa");
    CHECK(c.vocab_size == 256);
    CHECK(c.hidden_size == 128);
    CHECK(c.num_layers == 2);
    CHECK(c.num_heads == 8);
    CHECK(c.num_kv_heads == 2);
    CHECK(c.head_size() == 16);
    CHECK(c.norm.type == NormType::RMSNorm);
    CHECK(c.norm.epsilon == 1e-5);
    CHECK(c.position == PositionEncoding::RoPE);
    CHECK(c.rope.theta == 10000.0);
    CHECK(c.rope.scaling == RopeScaling::None);
    CHECK(c.ffn.gated);
    CHECK(c.ffn.activation == Activation::SiLU);
    CHECK(c.ffn.intermediate_size == 256);
    CHECK_FALSE(c.tie_embeddings);
    CHECK(c.dtype == "f32");
}

TEST_CASE("HF config: family specifics of the fixtures") {
    const ModelConfig mistral = import_hf_config(fixture("mistral_swa"));
    CHECK(mistral.attention.sliding_window == 8);

    const ModelConfig qwen2 = import_hf_config(fixture("qwen2_moe"));
    CHECK(qwen2.moe.num_experts == 4);
    CHECK(qwen2.moe.top_k == 2);
    CHECK_FALSE(qwen2.moe.renormalize_top_k);
    CHECK(qwen2.moe.expert_intermediate_size == 48);
    CHECK(qwen2.moe.shared_experts == 1);
    CHECK(qwen2.moe.shared_expert_intermediate_size == 128);
    CHECK(qwen2.moe.shared_expert_gate);
    CHECK(qwen2.attention.qkv_bias);
    CHECK_FALSE(qwen2.attention.out_bias);
    CHECK(qwen2.attention.sliding_window == 0);

    const ModelConfig qwen3 = import_hf_config(fixture("qwen3_moe"));
    CHECK(qwen3.moe.num_experts == 6);  // from num_local_experts
    CHECK(qwen3.moe.renormalize_top_k);
    CHECK(qwen3.attention.qk_norm);

    const ModelConfig falcon = import_hf_config(fixture("falcon_mqa"));
    CHECK(falcon.num_kv_heads == 1);  // multi_query overrides num_kv_heads = 4
    CHECK(falcon.block == BlockLayout::ParallelResidual);
    CHECK(falcon.parallel_shared_norm);
    CHECK(falcon.ffn.activation == Activation::GELU);

    const ModelConfig gemma = import_hf_config(fixture("gemma_geglu"));
    CHECK(gemma.norm.add_unit_offset);
    CHECK(gemma.embedding_scale == doctest::Approx(8.0));
    CHECK(gemma.ffn.activation == Activation::GELUTanh);
    CHECK(gemma.tie_embeddings);

    const ModelConfig opt = import_hf_config(fixture("opt_relu"));
    CHECK(opt.learned_position_offset == 2);
    CHECK(opt.ffn.activation == Activation::ReLU);
    CHECK_FALSE(opt.ffn.gated);

    const ModelConfig neox = import_hf_config(fixture("gpt_neox_parallel"));
    CHECK(neox.rope.partial_rotary_fraction == 0.25);
    CHECK_FALSE(neox.parallel_shared_norm);

    const ModelConfig bert = import_hf_config(fixture("bert_encoder"));
    CHECK(bert.kind == ModelKind::EncoderOnly);
    CHECK_FALSE(bert.attention.causal);
    CHECK_FALSE(bert.norm_before);
    CHECK(bert.type_vocab_size == 2);
    CHECK(bert.norm.epsilon == 1e-12);

    const ModelConfig bloom = import_hf_config(fixture("bloom_alibi"));
    CHECK(bloom.position == PositionEncoding::ALiBi);
    CHECK(bloom.embedding_norm);
}

TEST_CASE("HF config: every fixture passes validate and check_weights through load_model") {
    for (const char* name : {"llama_gqa", "llama_mqa", "llama_mha_ropescaled", "mistral_swa", "mixtral_moe",
                             "qwen2_moe", "qwen3_moe", "bloom_alibi", "gpt2_abs", "opt_relu", "falcon_mqa",
                             "gemma_geglu", "phi_partial_rope", "gpt_neox_parallel", "bert_encoder"}) {
        CAPTURE(name);
        CHECK_NOTHROW(load_model(fixture(name)));
    }
}

TEST_CASE("HF config: older top-level RoPE keys read the same as rope_parameters") {
    const ModelConfig modern = import_hf_config(config_dir(
        "modern", std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kLlamaBase +
                      R"(, "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 500000.0}})"));
    const ModelConfig older = import_hf_config(config_dir(
        "older", std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kLlamaBase +
                     R"(, "rope_theta": 500000.0, "rope_scaling": {"type": "linear", "factor": 2.0}})"));
    CHECK(modern.rope == older.rope);
    CHECK(older.rope.theta == 500000.0);
    CHECK(older.rope.scaling == RopeScaling::Linear);
    CHECK(older.rope.factor == 2.0);

    const ModelConfig neox = import_hf_config(config_dir("neox_old", R"({"architectures": ["GPTNeoXForCausalLM"],
        "vocab_size": 256, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 256, "rotary_pct": 0.25, "rotary_emb_base": 20000})"));
    CHECK(neox.rope.partial_rotary_fraction == 0.25);
    CHECK(neox.rope.theta == 20000.0);

    const ModelConfig phi = import_hf_config(config_dir("phi_old", R"({"architectures": ["PhiForCausalLM"],
        "vocab_size": 256, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 256, "partial_rotary_factor": 0.5, "rope_theta": 10000.0})"));
    CHECK(phi.rope.partial_rotary_fraction == 0.5);
}

TEST_CASE("HF config: Llama-3 and YaRN scaling parameters") {
    const ModelConfig llama3 = import_hf_config(config_dir(
        "llama3", std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kLlamaBase +
                      R"(, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
                      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})"));
    CHECK(llama3.rope.scaling == RopeScaling::Llama3);
    CHECK(llama3.rope.original_max_position == 8192);
    CHECK(llama3.rope.high_freq_factor == 4.0);

    const ModelConfig yarn = import_hf_config(config_dir(
        "yarn", std::string(R"({"architectures": ["Qwen2ForCausalLM"], )") + kLlamaBase +
                    R"(, "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}})"));
    CHECK(yarn.rope.scaling == RopeScaling::YaRN);
    CHECK(yarn.rope.factor == 4.0);
    CHECK(yarn.rope.original_max_position == 32768);
    CHECK(yarn.rope.beta_fast == 32.0);
    CHECK(yarn.attention.qkv_bias);  // Qwen2 always has q/k/v biases

    CHECK(import_error(config_dir("longrope", std::string(R"({"architectures": ["LlamaForCausalLM"], )") +
                                                  kLlamaBase + R"(, "rope_scaling": {"type": "longrope", "factor": 4}})"))
              .find("unsupported RoPE type 'longrope'") != std::string::npos);
}

TEST_CASE("HF config: older expert-count key and Falcon's new decoder architecture") {
    const ModelConfig qwen3 = import_hf_config(config_dir(
        "qwen3_old", std::string(R"({"architectures": ["Qwen3MoeForCausalLM"], )") + kLlamaBase +
                         R"(, "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                         "norm_topk_prob": true, "head_dim": 16})"));
    CHECK(qwen3.moe.num_experts == 8);
    CHECK(qwen3.moe.expert_intermediate_size == 32);

    const ModelConfig falcon = import_hf_config(config_dir("falcon_new", R"({"architectures": ["FalconForCausalLM"],
        "vocab_size": 256, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 8,
        "num_kv_heads": 2, "new_decoder_architecture": true, "multi_query": true})"));
    CHECK(falcon.num_kv_heads == 2);
    CHECK_FALSE(falcon.parallel_shared_norm);  // ln_attn and ln_mlp
}

TEST_CASE("HF config: errors name the file, the key and the supported choices") {
    const std::string unknown = import_error(config_dir("unknown", R"({"architectures": ["T5ForConditionalGeneration"]})"));
    CHECK(unknown.find("config.json") != std::string::npos);
    CHECK(unknown.find("unsupported architecture 'T5ForConditionalGeneration'") != std::string::npos);
    CHECK(unknown.find("LlamaForCausalLM") != std::string::npos);
    CHECK(unknown.find("BertModel") != std::string::npos);

    CHECK(import_error(config_dir("noarch", "{}")).find("'architectures': missing") != std::string::npos);
    CHECK(import_error(config_dir("badjson", "{\"architectures\": [")).find("JSON syntax error at line 1, column") !=
          std::string::npos);
    CHECK(import_error(config_dir("missing_key", R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10})"))
              .find("'hidden_size': missing") != std::string::npos);
    CHECK(import_error(config_dir("negative", std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kLlamaBase +
                                                  R"(, "num_key_value_heads": -2})"))
              .find("'num_key_value_heads': expected a non-negative 32-bit integer") != std::string::npos);
    CHECK(import_error(config_dir("act", std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kLlamaBase +
                                             R"(, "hidden_act": "mish"})"))
              .find("unsupported activation 'mish'") != std::string::npos);
    CHECK(import_error((fs::temp_directory_path() / "vkllm_no_such_model_dir").string()).find("cannot open") !=
          std::string::npos);
}

TEST_CASE("HF config: sliding windows of Mistral and Qwen2") {
    const std::string base = std::string(R"({"architectures": ["Qwen2ForCausalLM"], )") + kLlamaBase;
    CHECK(import_hf_config(config_dir("qwen2_off", base + R"(, "use_sliding_window": false, "sliding_window": 4096})"))
              .attention.sliding_window == 0);
    CHECK(import_hf_config(config_dir("qwen2_all", base + R"(, "use_sliding_window": true, "sliding_window": 512,
                                      "max_window_layers": 0})"))
              .attention.sliding_window == 512);
    CHECK(import_error(config_dir("qwen2_mixed", base + R"(, "use_sliding_window": true, "sliding_window": 512,
                                  "max_window_layers": 1})"))
              .find("only some layers") != std::string::npos);
    const std::string mistral = std::string(R"({"architectures": ["MistralForCausalLM"], )") + kLlamaBase;
    CHECK(import_hf_config(config_dir("mistral_null", mistral + R"(, "sliding_window": null})"))
              .attention.sliding_window == 0);
}
