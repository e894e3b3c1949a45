// ModelConfig -> TOML text in the schema that config_toml.cpp reads, such that
// parsing the output gives back an equal config (numbers are written with the
// shortest spelling that reads back to the same double).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "model/config_names.h"
#include "model/load.h"

namespace vkllm {
namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                    out += buf;
                } else {
                    out += char(ch);
                }
        }
    }
    return out + "\"";
}

std::string number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof buf, v);
    std::string text(buf, result.ptr);
    // TOML floats need a fraction or an exponent.
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    return text;
}

class Writer {
public:
    void table(const std::string& name) { out_ << "\n[" << name << "]\n"; }
    void key(const std::string& k, const std::string& v) { out_ << k << " = " << quoted(v) << "\n"; }
    void key(const std::string& k, const char* v) { key(k, std::string(v)); }
    void key(const std::string& k, std::string_view v) { key(k, std::string(v)); }
    void key(const std::string& k, uint32_t v) { out_ << k << " = " << v << "\n"; }
    void key(const std::string& k, double v) { out_ << k << " = " << number(v) << "\n"; }
    void key(const std::string& k, const std::vector<double>& v) {
        out_ << k << " = [";
        for (size_t i = 0; i < v.size(); ++i) out_ << (i ? ", " : "") << number(v[i]);
        out_ << "]\n";
    }
    void key(const std::string& k, bool v) { out_ << k << " = " << (v ? "true" : "false") << "\n"; }
    void raw_key(const std::string& k, const std::string& v) { out_ << quoted(k) << " = " << quoted(v) << "\n"; }
    std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;
};

}  // namespace

std::string config_to_toml(const ModelConfig& c) {
    Writer w;
    w.key("name", c.name);
    w.key("kind", to_string(c.kind));

    w.table("model");
    w.key("vocab_size", c.vocab_size);
    w.key("hidden_size", c.hidden_size);
    w.key("num_layers", c.num_layers);
    w.key("num_heads", c.num_heads);
    w.key("num_kv_heads", c.num_kv_heads);
    w.key("head_dim", c.head_dim);
    w.key("max_position", c.max_position);
    w.key("type_vocab_size", c.type_vocab_size);

    w.table("norm");
    w.key("type", to_string(c.norm.type));
    w.key("epsilon", c.norm.epsilon);
    w.key("add_unit_offset", c.norm.add_unit_offset);
    w.key("bias", c.norm.bias);
    w.key("placement", c.norm_before ? "pre" : "post");
    w.key("post_attention", c.norm.post_attention);
    w.key("post_ffn", c.norm.post_ffn);

    w.table("block");
    w.key("layout", to_string(c.block));
    w.key("shared_norm", c.parallel_shared_norm);

    w.table("position");
    w.key("type", to_string(c.position));
    w.key("theta", c.rope.theta);
    w.key("partial_rotary_fraction", c.rope.partial_rotary_fraction);
    w.key("style", to_string(c.rope.style));
    w.key("learned_offset", c.learned_position_offset);
    if (!c.rope.frequency_factors.empty()) w.key("frequency_factors", c.rope.frequency_factors);
    if (c.rope.local_theta > 0) w.key("local_theta", c.rope.local_theta);

    w.table("position.rope_scaling");
    w.key("type", to_string(c.rope.scaling));
    w.key("factor", c.rope.factor);
    w.key("original_max_position", c.rope.original_max_position);
    w.key("low_freq_factor", c.rope.low_freq_factor);
    w.key("high_freq_factor", c.rope.high_freq_factor);
    w.key("beta_fast", c.rope.beta_fast);
    w.key("beta_slow", c.rope.beta_slow);
    w.key("attention_factor", c.rope.attention_factor);

    w.table("attention");
    w.key("causal", c.attention.causal);
    if (c.attention.sliding_window) w.key("sliding_window", c.attention.sliding_window);
    if (c.attention.sliding_window_pattern) w.key("sliding_window_pattern", c.attention.sliding_window_pattern);
    w.key("logit_softcap", c.attention.logit_softcap);
    w.key("qkv_bias", c.attention.qkv_bias);
    w.key("out_bias", c.attention.out_bias);
    w.key("qk_norm", c.attention.qk_norm);
    w.key("scale", c.attention.scale);

    w.table("ffn");
    w.key("gated", c.ffn.gated);
    w.key("activation", to_string(c.ffn.activation));
    w.key("intermediate_size", c.ffn.intermediate_size);
    w.key("bias", c.ffn.bias);

    w.table("moe");
    w.key("num_experts", c.moe.num_experts);
    w.key("top_k", c.moe.top_k);
    w.key("renormalize_top_k", c.moe.renormalize_top_k);
    w.key("router", to_string(c.moe.router));
    w.key("expert_intermediate_size", c.moe.expert_intermediate_size);
    w.key("shared_experts", c.moe.shared_experts);
    w.key("shared_expert_intermediate_size", c.moe.shared_expert_intermediate_size);
    w.key("shared_expert_gate", c.moe.shared_expert_gate);
    w.key("capacity_factor", c.moe.capacity_factor);
    w.key("capacity_overflow", to_string(c.moe.capacity_overflow));
    w.key("dense", c.moe.dense);

    w.table("embeddings");
    w.key("tied", c.tie_embeddings);
    w.key("scale", c.embedding_scale);
    w.key("norm", c.embedding_norm);

    w.table("output");
    w.key("final_norm", c.final_norm);
    w.key("lm_head_bias", c.lm_head_bias);
    w.key("logit_softcap", c.final_logit_softcap);
    w.key("pooling", to_string(c.pooling));

    w.table("weights");
    w.key("path", c.weights);
    w.key("format", c.weight_format);
    w.key("hf_architecture", c.hf_architecture);
    w.key("dtype", c.dtype);
    w.key("tokenizer", c.tokenizer);

    if (!c.tensor_names.empty()) {
        w.table("tensor_names");
        for (const auto& [logical, stored] : c.tensor_names) w.raw_key(logical, stored);
    }
    return w.text();
}

}  // namespace vkllm
