// Gemma 2 and Gemma 3 (text): Gemma's RMSNorm with (1 + w), GeGLU and scaled
// embeddings, plus sandwich norms around both branches, a query scale from
// query_pre_attn_scalar, sliding-window layers alternating with global ones,
// soft-capped attention scores and logits (Gemma 2), per-head q/k norms and a
// separate RoPE base for the local layers (Gemma 3). Facts from transformers'
// modeling_gemma2.py / modeling_gemma3.py and their configuration classes.
#include <cmath>
#include <vector>

#include "model/hf_families.h"

namespace vkllm {
namespace {

// Which layers use the window: transformers writes layer_types (newer files)
// or, for Gemma 3, sliding_window_pattern (every N-th layer global); Gemma 2
// files without layer_types alternate, even layers local. The engine states
// this as a period N: layer i is global iff (i + 1) % N == 0.
uint32_t window_pattern(const HfJson& json, uint32_t layers, uint32_t default_pattern) {
    const nlohmann::json* types = json.value("layer_types");
    if (!types) return json.u32_or("sliding_window_pattern", default_pattern);
    if (!types->is_array() || types->size() != layers)
        json.fail("layer_types", "expected an array of " + std::to_string(layers) + " layer types");
    std::vector<bool> global;
    for (const auto& t : *types) {
        if (t == "full_attention") global.push_back(true);
        else if (t == "sliding_attention") global.push_back(false);
        else json.fail("layer_types", "unsupported layer type " + t.dump() + " (supported: sliding_attention, full_attention)");
    }
    uint32_t pattern = 0;
    for (uint32_t i = 0; i < layers; ++i)
        if (global[i]) {
            pattern = i + 1;
            break;
        }
    if (pattern == 0) return 0;  // every layer windowed
    for (uint32_t i = 0; i < layers; ++i)
        if (global[i] != ((i + 1) % pattern == 0))
            json.fail("layer_types", "global layers must repeat every " + std::to_string(pattern) +
                                         " layers (layer " + std::to_string(i) + " breaks the pattern)");
    return pattern;
}

// Gemma 3's RoPE: transformers 5 keeps one rope_parameters object per layer
// type; older files have rope_theta / rope_scaling for the global layers and
// rope_local_base_freq for the local ones.
void read_gemma3_rope(const HfJson& json, ModelConfig& config) {
    const nlohmann::json* params = json.value("rope_parameters");
    if (params && params->is_object() && (params->contains("full_attention") || params->contains("sliding_attention"))) {
        const HfJson all = json.child("rope_parameters");
        if (const nlohmann::json* full = all.value("full_attention"))
            config.rope = hf_rope(HfJson(nlohmann::json{{"rope_parameters", *full}}, json.path()), config.max_position);
        else
            config.rope.theta = 1e6;
        const HfJson local = all.child("sliding_attention");
        if (local.string_or("rope_type", "default") != "default")
            local.fail("rope_type", "only 'default' RoPE is supported on the sliding-window layers");
        config.rope.local_theta = local.number_or("rope_theta", 10000.0);
        if (!(config.rope.local_theta > 0)) local.fail("rope_theta", "must be positive");
        return;
    }
    config.rope = hf_rope(json, config.max_position);
    if (!json.has("rope_theta") && !json.child("rope_parameters").has("rope_theta")) config.rope.theta = 1e6;
    config.rope.local_theta = json.number_or("rope_local_base_freq", 10000.0);
    if (!(config.rope.local_theta > 0)) json.fail("rope_local_base_freq", "must be positive");
}

double positive_or_zero(const HfJson& json, const char* key) {
    const double v = json.number_or(key, 0.0);
    if (!(v >= 0) || !std::isfinite(v)) json.fail(key, "must be a finite number >= 0 (or null)");
    return v;
}

}  // namespace

void read_gemma_sandwich_config(const HfJson& json, ModelConfig& config) {
    const bool gemma3 = config.hf_architecture.rfind("Gemma3", 0) == 0;

    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.num_kv_heads = json.u32_or("num_key_value_heads", config.num_heads);
    config.head_dim = json.u32_or("head_dim", 256);  // the transformers default for both
    config.max_position = json.u32_or("max_position_embeddings", gemma3 ? 131072 : 8192);

    config.norm.type = NormType::RMSNorm;
    config.norm.epsilon = json.number_or("rms_norm_eps", 1e-6);
    config.norm.add_unit_offset = true;
    config.norm.post_attention = true;
    config.norm.post_ffn = true;

    config.position = PositionEncoding::RoPE;
    if (gemma3) read_gemma3_rope(json, config);
    else config.rope = hf_rope(json, config.max_position);

    const bool bias = json.flag_or("attention_bias", false);
    config.attention.qkv_bias = bias;
    config.attention.out_bias = bias;
    config.attention.qk_norm = gemma3;
    const uint32_t scalar = json.u32_or("query_pre_attn_scalar", config.head_size());
    if (scalar == 0) json.fail("query_pre_attn_scalar", "must be > 0");
    config.attention.scale = 1.0 / std::sqrt(double(scalar));
    config.attention.logit_softcap = positive_or_zero(json, "attn_logit_softcapping");
    if (json.flag_or("use_bidirectional_attention", false))
        json.fail("use_bidirectional_attention", "bidirectional Gemma 3 (embedding models) is not supported");
    config.attention.sliding_window = json.u32_or("sliding_window", 4096);
    if (config.attention.sliding_window > 0) {
        config.attention.sliding_window_pattern = window_pattern(json, config.num_layers, gemma3 ? 6 : 2);
        if (config.attention.sliding_window_pattern == 1) {  // every layer global
            config.attention.sliding_window = 0;
            config.attention.sliding_window_pattern = 0;
        }
    }
    if (config.attention.sliding_window == 0) config.rope.local_theta = 0;

    config.ffn.gated = true;
    config.ffn.intermediate_size = json.u32({"intermediate_size"});
    const char* act_key = json.first_present({"hidden_activation", "hidden_act"});
    if (!act_key) act_key = "hidden_activation";
    config.ffn.activation = hf_activation(json, act_key, json.string_or(act_key, "gelu_pytorch_tanh"));

    config.tie_embeddings = json.flag_or("tie_word_embeddings", true);
    config.embedding_scale = std::sqrt(double(config.hidden_size));
    config.final_logit_softcap = positive_or_zero(json, "final_logit_softcapping");
}

}  // namespace vkllm
