#include "model/hf_families.h"

#include "vkllm/error.h"

namespace vkllm {
namespace {

// Tensors every Llama-style checkpoint may hold; optional ones (biases, q/k
// norms, MoE parts) are simply absent where a model does not use them.
std::vector<HfNameRule> llama_layer_rules() {
    return {
        {"layers.{i}.attn_norm", "layers.{i}.input_layernorm"},
        {"layers.{i}.attn.q", "layers.{i}.self_attn.q_proj"},
        {"layers.{i}.attn.k", "layers.{i}.self_attn.k_proj"},
        {"layers.{i}.attn.v", "layers.{i}.self_attn.v_proj"},
        {"layers.{i}.attn.o", "layers.{i}.self_attn.o_proj"},
        {"layers.{i}.attn.q_norm", "layers.{i}.self_attn.q_norm"},
        {"layers.{i}.attn.k_norm", "layers.{i}.self_attn.k_norm"},
        {"layers.{i}.ffn_norm", "layers.{i}.post_attention_layernorm"},
        {"layers.{i}.ffn.gate", "layers.{i}.mlp.gate_proj"},
        {"layers.{i}.ffn.up", "layers.{i}.mlp.up_proj"},
        {"layers.{i}.ffn.down", "layers.{i}.mlp.down_proj"},
        // Qwen MoE
        {"layers.{i}.moe.router", "layers.{i}.mlp.gate"},
        {"layers.{i}.moe.shared.gate", "layers.{i}.mlp.shared_expert.gate_proj"},
        {"layers.{i}.moe.shared.up", "layers.{i}.mlp.shared_expert.up_proj"},
        {"layers.{i}.moe.shared.down", "layers.{i}.mlp.shared_expert.down_proj"},
        {"layers.{i}.moe.shared_gate", "layers.{i}.mlp.shared_expert_gate"},
        // Mixtral MoE
        {"layers.{i}.moe.router", "layers.{i}.block_sparse_moe.gate"},
    };
}

std::vector<HfNameRule> llama_expert_rules() {
    return {
        {"layers.{i}.moe.experts.{e}.gate", "layers.{i}.mlp.experts.{e}.gate_proj"},
        {"layers.{i}.moe.experts.{e}.up", "layers.{i}.mlp.experts.{e}.up_proj"},
        {"layers.{i}.moe.experts.{e}.down", "layers.{i}.mlp.experts.{e}.down_proj"},
        // Mixtral: w1 = gate, w3 = up, w2 = down
        {"layers.{i}.moe.experts.{e}.gate", "layers.{i}.block_sparse_moe.experts.{e}.w1"},
        {"layers.{i}.moe.experts.{e}.up", "layers.{i}.block_sparse_moe.experts.{e}.w3"},
        {"layers.{i}.moe.experts.{e}.down", "layers.{i}.block_sparse_moe.experts.{e}.w2"},
    };
}

HfFamily llama_family() {
    HfFamily f;
    f.architectures = {"LlamaForCausalLM",   "MistralForCausalLM", "MixtralForCausalLM",  "Qwen2ForCausalLM",
                       "Qwen2MoeForCausalLM", "Qwen3ForCausalLM",   "Qwen3MoeForCausalLM", "GemmaForCausalLM"};
    f.read_config = read_llama_like_config;
    f.base_prefix = "model.";
    f.globals = {{"token_embd", "embed_tokens"}, {"output_norm", "norm"}, {"lm_head", "lm_head", true}};
    f.layer = llama_layer_rules();
    f.expert = llama_expert_rules();
    return f;
}

// Gemma 2 / 3: the names of Llama's checkpoints, but post_attention_layernorm
// is the norm on the attention output (not the FFN's input norm, which is
// pre_feedforward_layernorm), and the FFN output has a norm of its own.
HfFamily gemma_sandwich_family() {
    HfFamily f;
    f.architectures = {"Gemma2ForCausalLM", "Gemma3ForCausalLM"};
    f.read_config = read_gemma_sandwich_config;
    f.base_prefix = "model.";
    f.globals = {{"token_embd", "embed_tokens"}, {"output_norm", "norm"}, {"lm_head", "lm_head", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "layers.{i}.input_layernorm"},
        {"layers.{i}.attn.q", "layers.{i}.self_attn.q_proj"},
        {"layers.{i}.attn.k", "layers.{i}.self_attn.k_proj"},
        {"layers.{i}.attn.v", "layers.{i}.self_attn.v_proj"},
        {"layers.{i}.attn.o", "layers.{i}.self_attn.o_proj"},
        {"layers.{i}.attn.q_norm", "layers.{i}.self_attn.q_norm"},
        {"layers.{i}.attn.k_norm", "layers.{i}.self_attn.k_norm"},
        {"layers.{i}.post_attn_norm", "layers.{i}.post_attention_layernorm"},
        {"layers.{i}.ffn_norm", "layers.{i}.pre_feedforward_layernorm"},
        {"layers.{i}.ffn.gate", "layers.{i}.mlp.gate_proj"},
        {"layers.{i}.ffn.up", "layers.{i}.mlp.up_proj"},
        {"layers.{i}.ffn.down", "layers.{i}.mlp.down_proj"},
        {"layers.{i}.post_ffn_norm", "layers.{i}.post_feedforward_layernorm"},
    };
    return f;
}

HfFamily gpt2_family() {
    HfFamily f;
    f.architectures = {"GPT2LMHeadModel"};
    f.read_config = read_gpt2_config;
    f.base_prefix = "transformer.";
    f.globals = {{"token_embd", "wte"}, {"pos_embd", "wpe"}, {"output_norm", "ln_f"}, {"lm_head", "lm_head", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "h.{i}.ln_1"},
        {"layers.{i}.attn.o", "h.{i}.attn.c_proj", false, true},
        {"layers.{i}.ffn_norm", "h.{i}.ln_2"},
        {"layers.{i}.ffn.up", "h.{i}.mlp.c_fc", false, true},
        {"layers.{i}.ffn.down", "h.{i}.mlp.c_proj", false, true},
    };
    f.fused_qkv = {"h.{i}.attn.c_attn", HfQkvLayout::Contiguous, true};
    return f;
}

HfFamily opt_family() {
    HfFamily f;
    f.architectures = {"OPTForCausalLM"};
    f.read_config = read_opt_config;
    f.base_prefix = "model.decoder.";
    f.globals = {{"token_embd", "embed_tokens"},
                 {"pos_embd", "embed_positions"},
                 {"output_norm", "final_layer_norm"},
                 {"lm_head", "lm_head", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "layers.{i}.self_attn_layer_norm"},
        {"layers.{i}.attn.q", "layers.{i}.self_attn.q_proj"},
        {"layers.{i}.attn.k", "layers.{i}.self_attn.k_proj"},
        {"layers.{i}.attn.v", "layers.{i}.self_attn.v_proj"},
        {"layers.{i}.attn.o", "layers.{i}.self_attn.out_proj"},
        {"layers.{i}.ffn_norm", "layers.{i}.final_layer_norm"},
        {"layers.{i}.ffn.up", "layers.{i}.fc1"},
        {"layers.{i}.ffn.down", "layers.{i}.fc2"},
    };
    return f;
}

HfFamily bloom_family() {
    HfFamily f;
    f.architectures = {"BloomForCausalLM"};
    f.read_config = read_bloom_config;
    f.base_prefix = "transformer.";
    f.globals = {{"token_embd", "word_embeddings"},
                 {"embd_norm", "word_embeddings_layernorm"},
                 {"output_norm", "ln_f"},
                 {"lm_head", "lm_head", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "h.{i}.input_layernorm"},
        {"layers.{i}.attn.o", "h.{i}.self_attention.dense"},
        {"layers.{i}.ffn_norm", "h.{i}.post_attention_layernorm"},
        {"layers.{i}.ffn.up", "h.{i}.mlp.dense_h_to_4h"},
        {"layers.{i}.ffn.down", "h.{i}.mlp.dense_4h_to_h"},
    };
    f.fused_qkv = {"h.{i}.self_attention.query_key_value", HfQkvLayout::Grouped};
    return f;
}

HfFamily falcon_family() {
    HfFamily f = bloom_family();
    f.architectures = {"FalconForCausalLM"};
    f.read_config = read_falcon_config;
    f.globals = {{"token_embd", "word_embeddings"}, {"output_norm", "ln_f"}, {"lm_head", "lm_head", true}};
    // The new decoder architecture names its two parallel norms ln_attn / ln_mlp.
    f.layer.push_back({"layers.{i}.attn_norm", "h.{i}.ln_attn"});
    f.layer.push_back({"layers.{i}.ffn_norm", "h.{i}.ln_mlp"});
    return f;
}

HfFamily phi_family() {
    HfFamily f;
    f.architectures = {"PhiForCausalLM"};
    f.read_config = read_phi_config;
    f.base_prefix = "model.";
    f.globals = {{"token_embd", "embed_tokens"}, {"output_norm", "final_layernorm"}, {"lm_head", "lm_head", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "layers.{i}.input_layernorm"},
        {"layers.{i}.attn.q", "layers.{i}.self_attn.q_proj"},
        {"layers.{i}.attn.k", "layers.{i}.self_attn.k_proj"},
        {"layers.{i}.attn.v", "layers.{i}.self_attn.v_proj"},
        {"layers.{i}.attn.o", "layers.{i}.self_attn.dense"},
        {"layers.{i}.ffn.up", "layers.{i}.mlp.fc1"},
        {"layers.{i}.ffn.down", "layers.{i}.mlp.fc2"},
    };
    return f;
}

HfFamily gpt_neox_family() {
    HfFamily f;
    f.architectures = {"GPTNeoXForCausalLM"};
    f.read_config = read_gpt_neox_config;
    f.base_prefix = "gpt_neox.";
    f.globals = {{"token_embd", "embed_in"}, {"output_norm", "final_layer_norm"}, {"lm_head", "embed_out", true}};
    f.layer = {
        {"layers.{i}.attn_norm", "layers.{i}.input_layernorm"},
        {"layers.{i}.attn.o", "layers.{i}.attention.dense"},
        {"layers.{i}.ffn_norm", "layers.{i}.post_attention_layernorm"},
        {"layers.{i}.ffn.up", "layers.{i}.mlp.dense_h_to_4h"},
        {"layers.{i}.ffn.down", "layers.{i}.mlp.dense_4h_to_h"},
    };
    f.fused_qkv = {"layers.{i}.attention.query_key_value", HfQkvLayout::Grouped};
    return f;
}

HfFamily bert_family() {
    HfFamily f;
    f.architectures = {"BertModel"};
    f.read_config = read_bert_config;
    f.base_prefix = "bert.";
    f.globals = {{"token_embd", "embeddings.word_embeddings"},
                 {"pos_embd", "embeddings.position_embeddings"},
                 {"token_type_embd", "embeddings.token_type_embeddings"},
                 {"embd_norm", "embeddings.LayerNorm"}};
    // Post-norm: attn_norm follows attention + residual, ffn_norm follows the FFN.
    f.layer = {
        {"layers.{i}.attn.q", "encoder.layer.{i}.attention.self.query"},
        {"layers.{i}.attn.k", "encoder.layer.{i}.attention.self.key"},
        {"layers.{i}.attn.v", "encoder.layer.{i}.attention.self.value"},
        {"layers.{i}.attn.o", "encoder.layer.{i}.attention.output.dense"},
        {"layers.{i}.attn_norm", "encoder.layer.{i}.attention.output.LayerNorm"},
        {"layers.{i}.ffn.up", "encoder.layer.{i}.intermediate.dense"},
        {"layers.{i}.ffn.down", "encoder.layer.{i}.output.dense"},
        {"layers.{i}.ffn_norm", "encoder.layer.{i}.output.LayerNorm"},
    };
    return f;
}

const std::vector<HfFamily>& families() {
    static const std::vector<HfFamily> all = {llama_family(),  gemma_sandwich_family(), gpt2_family(),
                                              opt_family(),    bloom_family(),          falcon_family(),
                                              phi_family(),    gpt_neox_family(),       bert_family()};
    return all;
}

}  // namespace

std::string supported_hf_architectures() {
    std::string out;
    for (const HfFamily& f : families())
        for (const std::string& a : f.architectures) out += (out.empty() ? "" : ", ") + a;
    return out;
}

const HfFamily& find_hf_family(const std::string& architecture, const std::string& source) {
    for (const HfFamily& f : families())
        for (const std::string& a : f.architectures)
            if (a == architecture) return f;
    throw InputError(source + ": unsupported architecture '" + architecture +
                     "' (supported: " + supported_hf_architectures() + ")");
}

}  // namespace vkllm
