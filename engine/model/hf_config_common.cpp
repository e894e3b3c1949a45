#include <cmath>

#include "model/hf_families.h"

namespace vkllm {

Activation hf_activation(const HfJson& json, const std::string& key, const std::string& value) {
    if (value == "silu" || value == "swish") return Activation::SiLU;
    if (value == "gelu") return Activation::GELU;
    if (value == "gelu_new" || value == "gelu_pytorch_tanh" || value == "gelu_fast" || value == "gelu_python_tanh")
        return Activation::GELUTanh;
    if (value == "relu") return Activation::ReLU;
    json.fail(key, "unsupported activation '" + value +
                       "' (supported: silu, swish, gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu)");
}

namespace {
// YaRN's attention temperature, 0.1 * mscale * ln(factor) + 1 for factor > 1.
double yarn_mscale(double factor, double mscale) {
    return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}
}  // namespace

RopeConfig hf_rope(const HfJson& json, uint32_t max_position) {
    // transformers 5 keeps every RoPE setting in rope_parameters; older configs
    // split them between top-level keys and rope_scaling.
    const HfJson params = json.child(json.has("rope_parameters") ? "rope_parameters" : "rope_scaling");
    RopeConfig rope;
    rope.theta = params.number_or("rope_theta", json.number_or("rope_theta", json.number_or("rotary_emb_base", 10000.0)));
    rope.partial_rotary_fraction = params.number_or(
        "partial_rotary_factor", json.number_or("partial_rotary_factor", json.number_or("rotary_pct", 1.0)));
    if (!(rope.theta > 0)) params.fail("rope_theta", "must be positive");
    if (!(rope.partial_rotary_fraction > 0 && rope.partial_rotary_fraction <= 1))
        params.fail("partial_rotary_factor", "must be in (0, 1]");

    const std::string type = params.string_or("rope_type", params.string_or("type", "default"));
    if (type == "default") return rope;
    if (type == "linear") rope.scaling = RopeScaling::Linear;
    else if (type == "dynamic") rope.scaling = RopeScaling::DynamicNTK;
    else if (type == "yarn") rope.scaling = RopeScaling::YaRN;
    else if (type == "llama3") rope.scaling = RopeScaling::Llama3;
    else params.fail("rope_type", "unsupported RoPE type '" + type + "' (supported: default, linear, dynamic, yarn, llama3)");

    if (!params.has("factor")) params.fail("factor", "required for rope_type '" + type + "'");
    rope.factor = params.number_or("factor", 1.0);
    if (!(rope.factor > 0)) params.fail("factor", "must be positive");
    if (rope.scaling == RopeScaling::Linear) return rope;

    rope.original_max_position = params.u32_or("original_max_position_embeddings", max_position);
    if (rope.scaling == RopeScaling::Llama3) {
        if (!params.has("original_max_position_embeddings"))
            params.fail("original_max_position_embeddings", "required for rope_type 'llama3'");
        rope.low_freq_factor = params.number_or("low_freq_factor", 1.0);
        rope.high_freq_factor = params.number_or("high_freq_factor", 4.0);
        if (!(rope.high_freq_factor > rope.low_freq_factor))
            params.fail("high_freq_factor", "must be larger than low_freq_factor");
    } else if (rope.scaling == RopeScaling::YaRN) {
        rope.beta_fast = params.number_or("beta_fast", 32.0);
        rope.beta_slow = params.number_or("beta_slow", 1.0);
        if (!params.flag_or("truncate", true)) params.fail("truncate", "only truncate = true is supported");
        rope.attention_factor = params.number_or("attention_factor", 0.0);
        const double mscale = params.number_or("mscale", 0.0);
        const double mscale_all_dim = params.number_or("mscale_all_dim", 0.0);
        if (rope.attention_factor == 0.0 && mscale != 0.0 && mscale_all_dim != 0.0)
            rope.attention_factor = yarn_mscale(rope.factor, mscale) / yarn_mscale(rope.factor, mscale_all_dim);
    }
    return rope;
}

}  // namespace vkllm
