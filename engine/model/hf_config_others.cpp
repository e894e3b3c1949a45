// Config readers for the LayerNorm families: GPT-2, OPT, BLOOM, Falcon, Phi,
// GPT-NeoX and BERT.
#include "model/hf_families.h"

namespace vkllm {
namespace {

void layer_norm(ModelConfig& config, double epsilon) {
    config.norm.type = NormType::LayerNorm;
    config.norm.bias = true;
    config.norm.epsilon = epsilon;
}

void all_biases(ModelConfig& config, bool on) {
    config.attention.qkv_bias = on;
    config.attention.out_bias = on;
    config.ffn.bias = on;
}

void plain_ffn(const HfJson& json, ModelConfig& config, const char* act_key, const std::string& fallback) {
    config.ffn.gated = false;
    config.ffn.activation = hf_activation(json, act_key, json.string_or(act_key, fallback));
}

}  // namespace

void read_gpt2_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"n_embd", "hidden_size"});
    config.num_layers = json.u32({"n_layer", "num_hidden_layers"});
    config.num_heads = json.u32({"n_head", "num_attention_heads"});
    config.max_position = json.u32({"n_positions", "max_position_embeddings"});
    layer_norm(config, json.number_or("layer_norm_epsilon", 1e-5));
    config.position = PositionEncoding::Learned;
    all_biases(config, true);
    plain_ffn(json, config, "activation_function", "gelu_new");
    config.ffn.intermediate_size = json.u32_or("n_inner", 4 * config.hidden_size);
    if (json.flag_or("scale_attn_by_inverse_layer_idx", false))
        json.fail("scale_attn_by_inverse_layer_idx", "per-layer attention scaling is not supported");
    if (!json.flag_or("scale_attn_weights", true)) config.attention.scale = 1.0;
    config.tie_embeddings = json.flag_or("tie_word_embeddings", true);
}

void read_opt_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.max_position = json.u32_or("max_position_embeddings", 2048);
    if (json.u32_or("word_embed_proj_dim", config.hidden_size) != config.hidden_size)
        json.fail("word_embed_proj_dim", "projected embeddings (word_embed_proj_dim != hidden_size) are not supported");
    if (!json.flag_or("layer_norm_elementwise_affine", true))
        json.fail("layer_norm_elementwise_affine", "LayerNorm without weights is not supported");
    layer_norm(config, 1e-5);
    config.norm_before = json.flag_or("do_layer_norm_before", true);
    config.final_norm = config.norm_before && !json.flag_or("_remove_final_layer_norm", false);
    config.position = PositionEncoding::Learned;
    config.learned_position_offset = 2;  // OPT reserves the first two position rows
    all_biases(config, json.flag_or("enable_bias", true));
    plain_ffn(json, config, "activation_function", "relu");
    config.ffn.intermediate_size = json.u32({"ffn_dim"});
    config.tie_embeddings = json.flag_or("tie_word_embeddings", true);
}

void read_bloom_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size", "n_embed"});
    config.num_layers = json.u32({"n_layer", "num_hidden_layers"});
    config.num_heads = json.u32({"n_head", "num_attention_heads"});
    config.max_position = json.u32_or("seq_length", 2048);
    if (json.flag_or("apply_residual_connection_post_layernorm", false))
        json.fail("apply_residual_connection_post_layernorm", "residuals taken after the norm are not supported");
    layer_norm(config, json.number_or("layer_norm_epsilon", 1e-5));
    config.embedding_norm = true;
    config.position = PositionEncoding::ALiBi;
    all_biases(config, true);
    config.ffn.gated = false;
    config.ffn.activation = Activation::GELUTanh;  // BLOOM's MLP uses the tanh approximation
    config.ffn.intermediate_size = 4 * config.hidden_size;
    config.tie_embeddings = json.flag_or("tie_word_embeddings", true);
}

void read_falcon_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers", "n_layer"});
    config.num_heads = json.u32({"num_attention_heads", "n_head"});
    config.max_position = json.u32_or("max_position_embeddings", 2048);
    if (json.flag_or("alibi", false)) json.fail("alibi", "Falcon with ALiBi is not supported");
    const bool new_arch = json.flag_or("new_decoder_architecture", false);
    // Before the new decoder architecture, multi_query meant exactly one kv head
    // whatever num_kv_heads says.
    if (new_arch) config.num_kv_heads = json.u32_or("num_kv_heads", config.num_heads);
    else config.num_kv_heads = json.flag_or("multi_query", true) ? 1 : config.num_heads;

    layer_norm(config, json.number_or("layer_norm_epsilon", 1e-5));
    if (new_arch) {
        config.block = BlockLayout::ParallelResidual;
        config.parallel_shared_norm = json.u32_or("num_ln_in_parallel_attn", 2) == 1;
    } else if (json.flag_or("parallel_attn", true)) {
        config.block = BlockLayout::ParallelResidual;
        config.parallel_shared_norm = true;
    }
    config.position = PositionEncoding::RoPE;
    config.rope = hf_rope(json, config.max_position);
    all_biases(config, json.flag_or("bias", false));
    plain_ffn(json, config, "activation", "gelu");
    config.ffn.intermediate_size = json.u32_or("ffn_hidden_size", 4 * config.hidden_size);
    config.tie_embeddings = json.flag_or("tie_word_embeddings", true);
}

void read_phi_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.num_kv_heads = json.u32_or("num_key_value_heads", config.num_heads);
    config.max_position = json.u32_or("max_position_embeddings", 2048);
    if (json.flag_or("qk_layernorm", false)) json.fail("qk_layernorm", "LayerNorm on q and k is not supported");
    layer_norm(config, json.number_or("layer_norm_eps", 1e-5));
    config.block = BlockLayout::ParallelResidual;
    config.parallel_shared_norm = true;
    config.position = PositionEncoding::RoPE;
    config.rope = hf_rope(json, config.max_position);
    all_biases(config, true);
    plain_ffn(json, config, "hidden_act", "gelu_new");
    config.ffn.intermediate_size = json.u32({"intermediate_size"});
    config.tie_embeddings = json.flag_or("tie_word_embeddings", false);
    config.lm_head_bias = true;
}

void read_gpt_neox_config(const HfJson& json, ModelConfig& config) {
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.max_position = json.u32_or("max_position_embeddings", 2048);
    layer_norm(config, json.number_or("layer_norm_eps", 1e-5));
    if (json.flag_or("use_parallel_residual", true)) {
        config.block = BlockLayout::ParallelResidual;
        config.parallel_shared_norm = false;  // input_layernorm feeds attention, post_attention_layernorm the MLP
    }
    config.position = PositionEncoding::RoPE;
    config.rope = hf_rope(json, config.max_position);
    config.attention.qkv_bias = config.attention.out_bias = json.flag_or("attention_bias", true);
    config.ffn.bias = true;
    plain_ffn(json, config, "hidden_act", "gelu");
    config.ffn.intermediate_size = json.u32({"intermediate_size"});
    config.tie_embeddings = json.flag_or("tie_word_embeddings", false);
}

void read_bert_config(const HfJson& json, ModelConfig& config) {
    config.kind = ModelKind::EncoderOnly;
    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.max_position = json.u32_or("max_position_embeddings", 512);
    config.type_vocab_size = json.u32_or("type_vocab_size", 2);
    if (json.string_or("position_embedding_type", "absolute") != "absolute")
        json.fail("position_embedding_type", "only 'absolute' is supported");
    layer_norm(config, json.number_or("layer_norm_eps", 1e-12));
    config.norm_before = false;
    config.final_norm = false;
    config.embedding_norm = true;
    config.position = PositionEncoding::Learned;
    config.attention.causal = false;
    all_biases(config, true);
    plain_ffn(json, config, "hidden_act", "gelu");
    config.ffn.intermediate_size = json.u32({"intermediate_size"});
    // The encoder returns hidden states and has no LM head of its own; BERT's
    // masked-LM head, where present, reuses the embeddings.
    config.tie_embeddings = true;
}

}  // namespace vkllm
