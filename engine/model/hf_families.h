#pragma once
// Hugging Face model families: how each architecture's config.json becomes a
// ModelConfig and how its checkpoint tensor names map to the engine's logical
// names (model/weights.h).
#include <string>
#include <vector>

#include "model/config.h"
#include "model/hf_json.h"

namespace vkllm {

// One logical tensor stem and its checkpoint counterpart. Both omit the
// ".weight" / ".bias" suffix (each rule covers both) and may contain "{i}"
// (layer) and "{e}" (expert).
struct HfNameRule {
    const char* logical;
    const char* hf;              // relative to the family's base prefix unless `absolute`
    bool absolute = false;       // head tensors that live outside the base model (lm_head)
    bool transpose = false;      // GPT-2 Conv1D: weight stored [in, out]
};

enum class HfQkvLayout {
    None,
    // Rows [q | k | v], each block head-major (GPT-2 after transposing).
    Contiguous,
    // Rows grouped per kv head: [q heads of the group..., k, v] (Falcon); with as
    // many groups as heads this is the per-head [heads, 3, head_dim] of GPT-NeoX/BLOOM.
    Grouped,
};

struct HfFusedQkv {
    const char* hf = nullptr;  // stem, e.g. "h.{i}.self_attention.query_key_value"
    HfQkvLayout layout = HfQkvLayout::None;
    bool transpose = false;
};

struct HfFamily {
    std::vector<std::string> architectures;
    void (*read_config)(const HfJson& json, ModelConfig& config);
    // Prefix of the base model's tensors ("model."); checkpoints of the bare base
    // model omit it, so names are tried with and without it.
    std::string base_prefix;
    std::vector<HfNameRule> globals;
    std::vector<HfNameRule> layer;
    std::vector<HfNameRule> expert;
    HfFusedQkv fused_qkv;
};

// Throws InputError naming `source` and listing the supported architectures.
const HfFamily& find_hf_family(const std::string& architecture, const std::string& source);
std::string supported_hf_architectures();

// Config readers, one per family group (model/hf_config_*.cpp).
void read_llama_like_config(const HfJson& json, ModelConfig& config);
void read_gemma_sandwich_config(const HfJson& json, ModelConfig& config);
void read_gpt2_config(const HfJson& json, ModelConfig& config);
void read_opt_config(const HfJson& json, ModelConfig& config);
void read_bloom_config(const HfJson& json, ModelConfig& config);
void read_falcon_config(const HfJson& json, ModelConfig& config);
void read_phi_config(const HfJson& json, ModelConfig& config);
void read_gpt_neox_config(const HfJson& json, ModelConfig& config);
void read_bert_config(const HfJson& json, ModelConfig& config);

// Shared by the readers (model/hf_config_common.cpp).
Activation hf_activation(const HfJson& json, const std::string& key, const std::string& value);
// RoPE from transformers 5 `rope_parameters` or the older top-level keys
// (rope_theta, rope_scaling, partial_rotary_factor, rotary_pct, rotary_emb_base).
RopeConfig hf_rope(const HfJson& json, uint32_t max_position);

}  // namespace vkllm
