// Consistency checks on a ModelConfig, whatever it was read from. Keys are
// named as the source file spells them: the TOML spelling
// (configs/models/README.md), or the config.json key of an imported config.
#include <cmath>
#include <map>
#include <utility>
#include <string>

#include "model/config.h"
#include "model/config_names.h"
#include "common/weight_types.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// Limits well above any published model; beyond them a config is a typo or an
// attack on our allocations.
constexpr uint32_t max_vocab = 1u << 24;
constexpr uint32_t max_hidden = 65536;
constexpr uint32_t max_layers = 1024;
constexpr uint32_t max_heads = 1024;
constexpr uint32_t max_head_dim = 2048;
constexpr uint32_t max_intermediate = 1u << 20;
constexpr uint32_t max_experts = 512;
constexpr uint32_t max_position_limit = 1u << 24;
constexpr uint32_t max_type_vocab = 1024;

class Checker {
public:
    explicit Checker(const ModelConfig& c)
        : source_(c.source_path.empty() ? "model config" : c.source_path), names_(c.source_keys.by_toml_key) {}

    // `key` as the source file spells it.
    std::string name(const std::string& key) const {
        auto it = names_.find(key);
        return it == names_.end() ? key : it->second;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw InputError(source_ + ": " + name(key) + ": " + message);
    }

    void positive(const std::string& key, uint32_t v) const {
        if (v == 0) fail(key, "must be > 0");
    }

    void at_most(const std::string& key, uint32_t v, uint32_t limit) const {
        if (v > limit)
            fail(key, std::to_string(v) + " is larger than the supported maximum " + std::to_string(limit));
    }

    void finite(const std::string& key, double v) const {
        if (!std::isfinite(v)) fail(key, "must be a finite number");
    }

    void finite_positive(const std::string& key, double v) const {
        finite(key, v);
        if (v <= 0) fail(key, "must be > 0, got " + std::to_string(v));
    }

    void finite_non_negative(const std::string& key, double v) const {
        finite(key, v);
        if (v < 0) fail(key, "must be >= 0, got " + std::to_string(v));
    }

private:
    std::string source_;
    std::map<std::string, std::string> names_;
};

void check_sizes(const ModelConfig& c, const Checker& k) {
    k.positive("model.vocab_size", c.vocab_size);
    k.positive("model.hidden_size", c.hidden_size);
    k.positive("model.num_layers", c.num_layers);
    k.positive("model.num_heads", c.num_heads);
    k.positive("model.max_position", c.max_position);
    k.at_most("model.vocab_size", c.vocab_size, max_vocab);
    k.at_most("model.hidden_size", c.hidden_size, max_hidden);
    k.at_most("model.num_layers", c.num_layers, max_layers);
    k.at_most("model.num_heads", c.num_heads, max_heads);
    k.at_most("model.num_kv_heads", c.num_kv_heads, max_heads);
    k.at_most("model.head_dim", c.head_dim, max_head_dim);
    k.at_most("model.max_position", c.max_position, max_position_limit);
    k.at_most("model.type_vocab_size", c.type_vocab_size, max_type_vocab);

    if (c.kv_heads() > c.num_heads)
        k.fail("model.num_kv_heads", std::to_string(c.kv_heads()) + " is more than " + k.name("model.num_heads") +
                                         " = " + std::to_string(c.num_heads));
    if (c.num_heads % c.kv_heads() != 0)
        k.fail("model.num_kv_heads", k.name("model.num_heads") + " = " + std::to_string(c.num_heads) +
                                         " is not a multiple of " + k.name("model.num_kv_heads") + " = " +
                                         std::to_string(c.kv_heads()));
    if (c.head_dim == 0 && c.hidden_size % c.num_heads != 0)
        k.fail("model.hidden_size", std::to_string(c.hidden_size) + " is not divisible by " + k.name("model.num_heads") + " = " +
                                        std::to_string(c.num_heads) + "; set " + k.name("model.head_dim") +
                                        " explicitly");
    if (c.head_size() == 0) k.fail("model.head_dim", "head size is 0 (hidden_size < num_heads)");
}

void check_norm(const ModelConfig& c, const Checker& k) {
    k.finite_positive("norm.epsilon", c.norm.epsilon);
    if (c.norm.epsilon >= 1) k.fail("norm.epsilon", std::to_string(c.norm.epsilon) + " is not a small epsilon (< 1)");
    if (c.norm.bias && c.norm.type == NormType::RMSNorm)
        k.fail("norm.bias", "RMSNorm has no bias; use norm.type = 'layernorm' or drop norm.bias");
    if (c.block == BlockLayout::ParallelResidual && !c.norm_before)
        k.fail("block.layout", "a parallel residual block needs norm.placement = 'pre'");
    for (const auto& [key, on] : {std::pair{"norm.post_attention", c.norm.post_attention},
                                  std::pair{"norm.post_ffn", c.norm.post_ffn}}) {
        if (!on) continue;
        if (!c.norm_before) k.fail(key, "norms on the branch outputs need norm.placement = 'pre'");
        if (c.block != BlockLayout::Sequential) k.fail(key, "norms on the branch outputs need block.layout = 'sequential'");
    }
}

void check_rope(const ModelConfig& c, const Checker& k) {
    const RopeConfig& r = c.rope;
    if (c.position != PositionEncoding::RoPE) {
        if (r.local_theta != 0)
            k.fail("position.local_theta", "a RoPE base for local layers needs position.type = 'rope', not '" +
                                               std::string(to_string(c.position)) + "'");
        if (!r.frequency_factors.empty())
            k.fail("position.frequency_factors", "RoPE frequency factors need position.type = 'rope', not '" +
                                                     std::string(to_string(c.position)) + "'");
        if (r.scaling != RopeScaling::None)
            k.fail("position.rope_scaling.type", "RoPE scaling needs position.type = 'rope', not '" +
                                                     std::string(to_string(c.position)) + "'");
        return;
    }
    k.finite_positive("position.theta", r.theta);
    k.finite("position.partial_rotary_fraction", r.partial_rotary_fraction);
    if (!(r.partial_rotary_fraction > 0 && r.partial_rotary_fraction <= 1))
        k.fail("position.partial_rotary_fraction",
               std::to_string(r.partial_rotary_fraction) + " is outside (0, 1]");
    double rotary = c.head_size() * r.partial_rotary_fraction;
    uint32_t rotary_dims = uint32_t(std::llround(rotary));
    if (std::fabs(rotary - rotary_dims) > 1e-6)
        k.fail("position.partial_rotary_fraction", "head_dim " + std::to_string(c.head_size()) + " * " +
                                                       std::to_string(r.partial_rotary_fraction) +
                                                       " is not a whole number of rotary dims");
    if (rotary_dims == 0 || rotary_dims % 2 != 0)
        k.fail("position.partial_rotary_fraction",
               "gives " + std::to_string(rotary_dims) + " rotary dims; RoPE needs an even, nonzero count");
    if (!r.frequency_factors.empty())
        check_rope_frequency_factors(r.frequency_factors, rotary_dims / 2,
                                     (c.source_path.empty() ? std::string("model config") : c.source_path) +
                                         ": position.frequency_factors");

    if (r.local_theta != 0) {
        k.finite_positive("position.local_theta", r.local_theta);
        if (c.attention.sliding_window == 0)
            k.fail("position.local_theta", "is the RoPE base of sliding-window layers, but attention.sliding_window is not set");
    }

    if (r.scaling == RopeScaling::None) return;
    const std::string scaling = "position.rope_scaling.";
    k.finite(scaling + "factor", r.factor);
    if (r.factor < 1) k.fail(scaling + "factor", std::to_string(r.factor) + " must be >= 1");
    if (r.scaling == RopeScaling::Linear) return;
    if (r.original_max_position == 0)
        k.fail(scaling + "original_max_position",
               "must be > 0 for '" + std::string(to_string(r.scaling)) + "' scaling");
    if (r.scaling == RopeScaling::Llama3) {
        k.finite_positive(scaling + "low_freq_factor", r.low_freq_factor);
        k.finite_positive(scaling + "high_freq_factor", r.high_freq_factor);
        if (r.high_freq_factor <= r.low_freq_factor)
            k.fail(scaling + "high_freq_factor", "must be greater than low_freq_factor (" +
                                                     std::to_string(r.low_freq_factor) + ")");
    }
    if (r.scaling == RopeScaling::YaRN) {
        k.finite_positive(scaling + "beta_fast", r.beta_fast);
        k.finite_positive(scaling + "beta_slow", r.beta_slow);
        if (r.beta_fast <= r.beta_slow)
            k.fail(scaling + "beta_fast", "must be greater than beta_slow (" + std::to_string(r.beta_slow) + ")");
        k.finite_non_negative(scaling + "attention_factor", r.attention_factor);
    }
}

void check_position(const ModelConfig& c, const Checker& k) {
    if (c.learned_position_offset != 0 && c.position != PositionEncoding::Learned)
        k.fail("position.learned_offset", "only applies to position.type = 'learned'");
    if (c.position == PositionEncoding::Learned)
        k.at_most("position.learned_offset", c.learned_position_offset, 1024);
    check_rope(c, k);
}

void check_attention(const ModelConfig& c, const Checker& k) {
    const AttentionConfig& a = c.attention;
    if (c.kind == ModelKind::EncoderOnly && a.causal)
        k.fail("attention.causal", "an encoder-only model attends both ways; set attention.causal = false");
    k.finite_non_negative("attention.logit_softcap", a.logit_softcap);
    k.finite_non_negative("attention.scale", a.scale);
    if (a.sliding_window != 0 && !a.causal)
        k.fail("attention.sliding_window", "a sliding window needs causal attention");
    if (a.sliding_window_pattern != 0) {
        if (a.sliding_window == 0)
            k.fail("attention.sliding_window_pattern", "needs attention.sliding_window (the window of the local layers)");
        k.at_most("attention.sliding_window_pattern", a.sliding_window_pattern, max_layers);
    }
}

void check_ffn_and_moe(const ModelConfig& c, const Checker& k) {
    const MoeConfig& m = c.moe;
    k.at_most("ffn.intermediate_size", c.ffn.intermediate_size, max_intermediate);
    if (m.num_experts == 0) {
        k.positive("ffn.intermediate_size", c.ffn.intermediate_size);
        if (m.top_k != 0) k.fail("moe.top_k", "is set but moe.num_experts is 0 (a dense model)");
        if (m.shared_experts != 0) k.fail("moe.shared_experts", "is set but moe.num_experts is 0 (a dense model)");
        return;
    }
    k.at_most("moe.num_experts", m.num_experts, max_experts);
    if (m.top_k < 1 || m.top_k > m.num_experts)
        k.fail("moe.top_k", std::to_string(m.top_k) + " is outside [1, moe.num_experts = " +
                                std::to_string(m.num_experts) + "]");
    k.at_most("moe.expert_intermediate_size", m.expert_intermediate_size, max_intermediate);
    if (m.expert_intermediate_size == 0 && c.ffn.intermediate_size == 0)
        k.fail("moe.expert_intermediate_size", "must be > 0 (or set ffn.intermediate_size)");
    k.at_most("moe.shared_experts", m.shared_experts, max_experts);
    k.at_most("moe.shared_expert_intermediate_size", m.shared_expert_intermediate_size, max_intermediate);
    if (m.shared_expert_gate && m.shared_experts == 0)
        k.fail("moe.shared_expert_gate", "needs moe.shared_experts > 0");
    if (m.shared_experts == 0 && m.shared_expert_intermediate_size != 0)
        k.fail("moe.shared_expert_intermediate_size", "is set but moe.shared_experts is 0");
    k.finite_non_negative("moe.capacity_factor", m.capacity_factor);
    if (m.dense && m.capacity_factor > 0)
        k.fail("moe.capacity_factor", "does not apply to a dense MoE (every token runs every expert)");
}

void check_embeddings_and_files(const ModelConfig& c, const Checker& k) {
    k.finite_positive("embeddings.scale", c.embedding_scale);
    k.finite_non_negative("output.logit_softcap", c.final_logit_softcap);
    if (c.final_logit_softcap > 0 && c.kind == ModelKind::EncoderOnly)
        k.fail("output.logit_softcap", "an encoder-only model has no logits to cap");
    if (!dtype_from_name(c.dtype)) {
        std::string names;
        for (const DTypeTraits& t : all_dtypes())
            if (!t.device_only) names += std::string(names.empty() ? "'" : ", '") + t.name + "'";
        k.fail("weights.dtype", "'" + c.dtype + "' is not one of " + names);
    }
    const std::string& f = c.weight_format;
    if (!f.empty() && f != "safetensors" && f != "gguf" && f != "hf")
        k.fail("weights.format", "'" + f + "' is not one of 'safetensors', 'gguf' or 'hf' (or empty: from the path)");
    for (const auto& [logical, stored] : c.tensor_names)
        if (logical.empty() || stored.empty())
            k.fail("tensor_names", "empty tensor name in the mapping '" + logical + "' = '" + stored + "'");
}

}  // namespace

void check_rope_frequency_factors(const std::vector<double>& factors, uint32_t rotary_pairs, const std::string& where) {
    if (factors.size() != rotary_pairs)
        throw InputError(where + ": holds " + std::to_string(factors.size()) + " values, expected one per rotary pair (" +
                         std::to_string(rotary_pairs) + ")");
    for (size_t i = 0; i < factors.size(); ++i)
        if (!std::isfinite(factors[i]) || factors[i] <= 0)
            throw InputError(where + ": value " + std::to_string(i) + " is " + std::to_string(factors[i]) +
                             "; every factor must be a finite number > 0");
}

void validate(const ModelConfig& c) {
    Checker k(c);
    check_sizes(c, k);
    check_norm(c, k);
    check_position(c, k);
    check_attention(c, k);
    check_ffn_and_moe(c, k);
    check_embeddings_and_files(c, k);
}

}  // namespace vkllm
