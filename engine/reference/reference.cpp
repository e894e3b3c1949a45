#include "reference/reference.h"

#include <algorithm>
#include <cmath>

#include "reference/attention.h"
#include "reference/embeddings.h"
#include "reference/ffn.h"
#include "reference/moe.h"
#include "reference/norms.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

using ref::Matrix;

void report(const ReferenceObserver& observer, const std::string& name, const Matrix& m) {
    if (observer) observer(name, m.data.data(), m.rows, m.cols);
}

Matrix feed_forward(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x,
                    const ReferenceObserver& observer) {
    if (config.moe.num_experts > 0) {
        const std::string router = "layers." + std::to_string(layer) + ".moe.router";
        if (observer) report(observer, router + "_logits", ref::linear(x, weights, router, config.moe.num_experts, false));
        return ref::moe(config, weights, layer, x);
    }
    return ref::ffn(config.ffn, weights, "layers." + std::to_string(layer) + ".ffn", x, config.ffn.intermediate_size,
                    config.ffn.bias);
}

Matrix normed(const ModelConfig& config, const ModelWeights& weights, Matrix x, const std::string& name) {
    ref::apply_norm(config.norm, x, weights, name);
    return x;
}

void run_layer(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, Matrix& x,
               const ReferenceObserver& observer) {
    const std::string p = "layers." + std::to_string(layer) + ".";
    if (!config.norm_before) {
        // Post-norm (BERT): normalise after each residual sum.
        const Matrix a = ref::attention(config, weights, layer, x);
        report(observer, p + "attn_out", a);
        ref::add_in_place(x, a);
        ref::apply_norm(config.norm, x, weights, p + "attn_norm");
        const Matrix f = feed_forward(config, weights, layer, x, observer);
        report(observer, p + "ffn_out", f);
        ref::add_in_place(x, f);
        ref::apply_norm(config.norm, x, weights, p + "ffn_norm");
    } else if (config.block == BlockLayout::ParallelResidual) {
        // x + attn(norm(x)) + ffn(norm'(x)), norm' = norm when the two share one.
        const Matrix attn_in = normed(config, weights, x, p + "attn_norm");
        const Matrix ffn_in = config.parallel_shared_norm ? attn_in : normed(config, weights, x, p + "ffn_norm");
        const Matrix a = ref::attention(config, weights, layer, attn_in);
        report(observer, p + "attn_out", a);
        const Matrix f = feed_forward(config, weights, layer, ffn_in, observer);
        report(observer, p + "ffn_out", f);
        ref::add_in_place(x, a);
        ref::add_in_place(x, f);
    } else {
        // Sandwich norms (norm.post_attention / post_ffn) act on each branch's
        // output before its residual add; the observer sees the normed output.
        Matrix a = ref::attention(config, weights, layer, normed(config, weights, x, p + "attn_norm"));
        if (config.norm.post_attention) ref::apply_norm(config.norm, a, weights, p + "post_attn_norm");
        report(observer, p + "attn_out", a);
        ref::add_in_place(x, a);
        Matrix f = feed_forward(config, weights, layer, normed(config, weights, x, p + "ffn_norm"), observer);
        if (config.norm.post_ffn) ref::apply_norm(config.norm, f, weights, p + "post_ffn_norm");
        report(observer, p + "ffn_out", f);
        ref::add_in_place(x, f);
    }
    report(observer, p + "output", x);
}

}  // namespace

std::vector<float> reference_forward(const ModelConfig& config, const ModelWeights& weights,
                                     const std::vector<int32_t>& tokens, const std::vector<int32_t>& token_types) {
    return reference_forward(config, weights, tokens, token_types, nullptr);
}

std::vector<float> reference_forward(const ModelConfig& config, const ModelWeights& weights,
                                     const std::vector<int32_t>& tokens, const std::vector<int32_t>& token_types,
                                     const ReferenceObserver& observer) {
    if (tokens.empty()) throw InputError("reference_forward: no tokens");
    if (!token_types.empty() && token_types.size() != tokens.size())
        throw InputError("reference_forward: token_types and tokens differ in length");
    if (config.num_heads == 0 || config.kv_heads() == 0 || config.num_heads % config.kv_heads() != 0)
        throw InputError("reference_forward: num_heads = " + std::to_string(config.num_heads) +
                         " must be a positive multiple of num_kv_heads = " + std::to_string(config.kv_heads()));
    if (!config.norm_before && config.block == BlockLayout::ParallelResidual)
        throw InputError("reference_forward: post-norm with a parallel residual is not supported");

    Matrix x = ref::embed(config, weights, tokens, token_types);
    report(observer, "embeddings", x);
    for (uint32_t layer = 0; layer < config.num_layers; ++layer) run_layer(config, weights, layer, x, observer);
    if (config.final_norm) {
        ref::apply_norm(config.norm, x, weights, "output_norm");
        report(observer, "output_norm", x);
    }
    if (config.kind == ModelKind::EncoderOnly) return std::move(x.data);

    Matrix logits = ref::linear(x, weights, config.tie_embeddings ? "token_embd" : "lm_head", config.vocab_size, false);
    if (config.lm_head_bias) {
        const ref::Weight bias = ref::load_weight(weights, "lm_head.bias", {config.vocab_size});
        for (size_t t = 0; t < logits.rows; ++t)
            for (size_t v = 0; v < logits.cols; ++v) logits.row(t)[v] += bias.values[v];
    }
    if (const double cap = config.final_logit_softcap; cap > 0)
        for (float& v : logits.data) v = float(cap * std::tanh(double(v) / cap));
    report(observer, "logits", logits);
    return std::move(logits.data);
}

std::vector<int32_t> reference_greedy(const ModelConfig& config, const ModelWeights& weights,
                                      std::vector<int32_t> prompt, uint32_t count) {
    std::vector<int32_t> generated;
    for (uint32_t step = 0; step < count; ++step) {
        const std::vector<float> logits = reference_forward(config, weights, prompt);
        const float* last = logits.data() + (prompt.size() - 1) * config.vocab_size;
        const int32_t next = int32_t(std::max_element(last, last + config.vocab_size) - last);
        generated.push_back(next);
        prompt.push_back(next);
    }
    return generated;
}

}  // namespace vkllm
