#pragma once
// ModelConfig: everything that decides the architecture of a model, filled from
// a TOML file (model/config_toml.cpp), a Hugging Face config.json
// (model/hf_import.cpp) or GGUF metadata (model/gguf_config.cpp), then checked by
// validate(). The TOML schema is documented key by key in
// configs/models/README.md; keep the two in step.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vkllm {

enum class NormType { RMSNorm, LayerNorm };
enum class PositionEncoding { None, RoPE, ALiBi, Learned, Sinusoidal };
enum class RopeScaling { None, Linear, DynamicNTK, YaRN, Llama3 };
// NeoX rotates the two halves of the rotary dims; GPT-J rotates interleaved pairs.
enum class RopeStyle { NeoX, GPTJ };
enum class Activation { ReLU, GELU, GELUTanh, SiLU };
enum class BlockLayout { Sequential, ParallelResidual };
enum class RouterType { Softmax, Sigmoid };
// What happens to a token's expert choice when that expert is at capacity.
enum class CapacityOverflow { NextBest, Drop };
enum class ModelKind { DecoderOnly, EncoderOnly };
// How an encoder's hidden states become one embedding: the mean over the
// tokens, or the first token's row (BERT's [CLS]).
enum class Pooling { Mean, Cls };

struct NormConfig {
    NormType type = NormType::RMSNorm;
    double epsilon = 1e-5;
    bool add_unit_offset = false;  // Gemma: x * (1 + w)
    bool bias = false;             // LayerNorm bias present
    // Sandwich norms (Gemma 2/3): a norm on the attention output and one on the
    // FFN output, each before its residual add (layers.{i}.post_attn_norm,
    // layers.{i}.post_ffn_norm). Pre-norm sequential blocks only.
    bool post_attention = false;
    bool post_ffn = false;

    bool operator==(const NormConfig&) const = default;
};

struct RopeConfig {
    double theta = 10000.0;
    double partial_rotary_fraction = 1.0;  // share of head_dim that rotates
    RopeStyle style = RopeStyle::NeoX;
    RopeScaling scaling = RopeScaling::None;
    double factor = 1.0;
    uint32_t original_max_position = 0;  // dynamic NTK, YaRN, Llama-3
    double low_freq_factor = 1.0;        // Llama-3
    double high_freq_factor = 4.0;       // Llama-3
    double beta_fast = 32.0;             // YaRN
    double beta_slow = 1.0;              // YaRN
    double attention_factor = 0.0;       // YaRN mscale; 0 = derive from factor
    // Per rotary pair divisors of the inverse frequencies, applied after the
    // scaling above (GGUF's rope_freqs.weight: Llama-3 scaling baked into a
    // tensor); empty: none. One value per pair: rotary dims / 2.
    std::vector<double> frequency_factors;
    // > 0: sliding-window layers rotate with plain RoPE of this base (no
    // scaling, no frequency factors); the settings above then apply to the
    // full-attention layers only (Gemma 3: 10000 local, 1e6 global). 0: every
    // layer uses the settings above.
    double local_theta = 0.0;

    bool operator==(const RopeConfig&) const = default;
};

struct AttentionConfig {
    bool causal = true;
    uint32_t sliding_window = 0;  // 0: none. Query i sees key j iff i - W < j <= i
    double logit_softcap = 0.0;   // 0: none
    bool qkv_bias = false;
    bool out_bias = false;
    bool qk_norm = false;         // per-head RMSNorm on q and k (Qwen3)
    double scale = 0.0;           // 0: 1/sqrt(head_dim)
    // With a sliding window: every N-th layer (counting from 1) attends to the
    // whole context, the others use the window (Gemma 2: 2, Gemma 3: 6).
    // 0: every layer uses the window.
    uint32_t sliding_window_pattern = 0;

    bool operator==(const AttentionConfig&) const = default;
};

struct FfnConfig {
    bool gated = true;  // SwiGLU / GEGLU: act(gate(x)) * up(x)
    Activation activation = Activation::SiLU;
    uint32_t intermediate_size = 0;
    bool bias = false;

    bool operator==(const FfnConfig&) const = default;
};

struct MoeConfig {
    uint32_t num_experts = 0;  // 0: dense model
    uint32_t top_k = 0;
    bool renormalize_top_k = true;
    RouterType router = RouterType::Softmax;
    uint32_t expert_intermediate_size = 0;  // 0: ffn.intermediate_size
    uint32_t shared_experts = 0;
    uint32_t shared_expert_intermediate_size = 0;
    bool shared_expert_gate = false;  // sigmoid gate on the shared expert (Qwen2-MoE)
    double capacity_factor = 0.0;     // 0: unlimited; else ceil(factor * tokens / experts) per expert and step
    CapacityOverflow capacity_overflow = CapacityOverflow::NextBest;
    bool dense = false;               // weight every expert (classic soft MoE)

    bool operator==(const MoeConfig&) const = default;
};

// How the source file spells a TOML key, for messages only: a config imported
// from config.json says "rms_norm_eps" where a TOML config says "norm.epsilon".
// It describes the file, not the model, so it never makes two configs differ.
struct SourceKeyNames {
    std::map<std::string, std::string> by_toml_key;
    bool operator==(const SourceKeyNames&) const { return true; }
};

struct ModelConfig {
    std::string name;
    std::string source_path;  // file the config came from (for messages)
    SourceKeyNames source_keys;
    ModelKind kind = ModelKind::DecoderOnly;

    uint32_t vocab_size = 0;
    uint32_t hidden_size = 0;
    uint32_t num_layers = 0;
    uint32_t num_heads = 0;
    uint32_t num_kv_heads = 0;  // 0: = num_heads
    uint32_t head_dim = 0;      // 0: hidden_size / num_heads
    uint32_t max_position = 2048;
    uint32_t type_vocab_size = 0;  // BERT token-type embeddings

    NormConfig norm;
    bool norm_before = true;  // pre-norm (Llama) vs post-norm (BERT, original transformer)
    BlockLayout block = BlockLayout::Sequential;
    bool parallel_shared_norm = true;  // parallel residual: one norm feeds attn and FFN

    PositionEncoding position = PositionEncoding::RoPE;
    RopeConfig rope;
    uint32_t learned_position_offset = 0;  // OPT: 2

    AttentionConfig attention;
    FfnConfig ffn;
    MoeConfig moe;

    bool tie_embeddings = false;
    double embedding_scale = 1.0;  // Gemma: sqrt(hidden)
    bool embedding_norm = false;   // BLOOM: LayerNorm after the embedding
    bool final_norm = true;
    bool lm_head_bias = false;
    double final_logit_softcap = 0.0;  // > 0: logits = cap * tanh(logits / cap) (Gemma 2)
    Pooling pooling = Pooling::Mean;   // encoder-only: how Engine::embed pools the hidden states

    std::string dtype = "f32";  // storage type to use on the GPU: f32, f16, bf16, q8_0, q4_0
    std::string weights;        // weight file or directory, relative to the config file
    std::string tokenizer;      // tokenizer.json or GGUF, relative to the config file
    std::string weight_format;  // "safetensors", "gguf" or "hf"; empty: from the path
    // Hugging Face family (e.g. "LlamaForCausalLM") whose naming and layout rules
    // map the weight file to logical names (model/weights.h); empty: names are logical.
    std::string hf_architecture;

    // Logical tensor name -> name in the weight file. Logical names use the
    // pattern "layers.{i}.attn.q" etc.; see configs/models/README.md.
    std::map<std::string, std::string> tensor_names;

    uint32_t kv_heads() const { return num_kv_heads ? num_kv_heads : num_heads; }
    uint32_t head_size() const { return head_dim ? head_dim : hidden_size / num_heads; }

    // Compares every field, source_path included.
    bool operator==(const ModelConfig&) const = default;
};

// Whether `layer` attends through the sliding window (attention.sliding_window
// and attention.sliding_window_pattern).
bool layer_uses_window(const ModelConfig& config, uint32_t layer);
// The window of `layer`: attention.sliding_window or 0 (whole context).
uint32_t layer_window(const ModelConfig& config, uint32_t layer);
// Whether every layer attends through the window, so that KV entries that left
// it can be dropped for the whole model.
bool all_layers_use_window(const ModelConfig& config);
// Whether `layer` rotates with the local RoPE (position.local_theta on a windowed layer).
bool layer_uses_local_rope(const ModelConfig& config, uint32_t layer);
// The local layers' RoPE: plain RoPE of base position.local_theta.
RopeConfig local_rope(const ModelConfig& config);
// The RoPE settings `layer` rotates with: local_rope() where
// layer_uses_local_rope, else config.rope.
RopeConfig layer_rope(const ModelConfig& config, uint32_t layer);

// Throws InputError naming source_path, the key and the inconsistency.
void validate(const ModelConfig& config);

// RoPE frequency factors must hold one finite value > 0 per rotary pair;
// throws InputError "<where>: ..." otherwise. validate() calls it with the
// TOML key, the GGUF reader with the tensor's name.
void check_rope_frequency_factors(const std::vector<double>& factors, uint32_t rotary_pairs, const std::string& where);

}  // namespace vkllm
