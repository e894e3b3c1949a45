// Llama-style decoders: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3,
// Qwen3-MoE, Gemma. Pre-norm RMSNorm, RoPE, gated FFN, optional MoE.
#include <cmath>

#include "model/hf_families.h"

namespace vkllm {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Qwen2/Qwen3 use a window only when use_sliding_window is set, and then only on
// layers from max_window_layers on; transformers 5 lists this as layer_types.
uint32_t qwen_sliding_window(const HfJson& json, const ModelConfig& config) {
    uint32_t window = 0;
    bool mixed = false;
    if (const nlohmann::json* types = json.value("layer_types")) {
        if (!types->is_array() || types->empty()) json.fail("layer_types", "expected a non-empty array");
        size_t sliding = 0;
        for (const auto& t : *types) sliding += t == "sliding_attention";
        if (sliding == 0) return 0;
        mixed = sliding != types->size();
        window = json.u32_or("sliding_window", 0);
    } else {
        if (!json.flag_or("use_sliding_window", false)) return 0;
        const uint32_t first = json.u32_or("max_window_layers", 0);
        if (first >= config.num_layers) return 0;
        mixed = first > 0;
        window = json.u32_or("sliding_window", 0);
    }
    if (mixed) json.fail("layer_types", "a sliding window on only some layers is not supported");
    return window;
}

void read_moe(const HfJson& json, ModelConfig& config, bool mixtral) {
    const char* experts_key = json.first_present({"num_local_experts", "num_experts"});
    if (!experts_key) return;  // a dense model of a family that allows MoE
    config.moe.num_experts = json.u32({experts_key});
    config.moe.top_k = json.u32({"num_experts_per_tok"});
    config.moe.router = RouterType::Softmax;
    if (mixtral) {
        config.moe.renormalize_top_k = true;
        config.moe.expert_intermediate_size = config.ffn.intermediate_size;
        return;
    }
    config.moe.renormalize_top_k = json.flag_or("norm_topk_prob", false);
    config.moe.expert_intermediate_size = json.u32({"moe_intermediate_size"});
    if (json.u32_or("decoder_sparse_step", 1) != 1)
        json.fail("decoder_sparse_step", "only 1 (every layer sparse) is supported");
    if (const nlohmann::json* dense = json.value("mlp_only_layers"); dense && !dense->empty())
        json.fail("mlp_only_layers", "dense layers inside a MoE model are not supported");
    const uint32_t shared = json.u32_or("shared_expert_intermediate_size", 0);
    if (shared > 0) {
        config.moe.shared_experts = 1;
        config.moe.shared_expert_intermediate_size = shared;
        config.moe.shared_expert_gate = true;
    }
}

}  // namespace

void read_llama_like_config(const HfJson& json, ModelConfig& config) {
    const std::string& arch = config.hf_architecture;
    const bool gemma = starts_with(arch, "Gemma");
    const bool qwen2 = starts_with(arch, "Qwen2");
    const bool qwen3 = starts_with(arch, "Qwen3");
    const bool mixtral = starts_with(arch, "Mixtral");
    const bool llama = starts_with(arch, "Llama");

    config.vocab_size = json.u32({"vocab_size"});
    config.hidden_size = json.u32({"hidden_size"});
    config.num_layers = json.u32({"num_hidden_layers"});
    config.num_heads = json.u32({"num_attention_heads"});
    config.num_kv_heads = json.u32_or("num_key_value_heads", config.num_heads);
    config.head_dim = json.u32_or("head_dim", 0);
    config.max_position = json.u32_or("max_position_embeddings", 2048);

    config.norm.type = NormType::RMSNorm;
    config.norm.epsilon = json.number_or("rms_norm_eps", 1e-6);
    config.norm.add_unit_offset = gemma;

    config.position = PositionEncoding::RoPE;
    config.rope = hf_rope(json, config.max_position);

    const bool attention_bias = json.flag_or("attention_bias", false);
    config.attention.qkv_bias = qwen2 ? json.flag_or("qkv_bias", true) : attention_bias;
    config.attention.out_bias = (llama || qwen3) && attention_bias;
    config.attention.qk_norm = qwen3;
    if (qwen2 || qwen3) config.attention.sliding_window = qwen_sliding_window(json, config);
    else if (!llama && !gemma) config.attention.sliding_window = json.u32_or("sliding_window", 0);

    config.ffn.gated = true;
    config.ffn.intermediate_size = json.u32({"intermediate_size"});
    // Gemma checkpoints name the real activation hidden_activation.
    const char* act_key = gemma ? json.first_present({"hidden_activation", "hidden_act"}) : "hidden_act";
    if (!act_key) act_key = "hidden_act";
    config.ffn.activation = hf_activation(json, act_key, json.string_or(act_key, gemma ? "gelu_pytorch_tanh" : "silu"));
    config.ffn.bias = llama && json.flag_or("mlp_bias", false);

    read_moe(json, config, mixtral);

    config.tie_embeddings = json.flag_or("tie_word_embeddings", gemma);
    if (gemma) config.embedding_scale = std::sqrt(double(config.hidden_size));
}

}  // namespace vkllm
