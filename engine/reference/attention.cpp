#include "reference/attention.h"

#include <cmath>
#include <limits>

#include "model/alibi_slopes.h"
#include "reference/norms.h"
#include "reference/rope.h"

namespace vkllm::ref {

bool attention_allowed(const AttentionConfig& attention, size_t i, size_t j, uint32_t window) {
    if (attention.causal && j > i) return false;
    if (window > 0) {
        const size_t distance = i > j ? i - j : j - i;
        if (distance >= window) return false;
    }
    return true;
}

bool attention_allowed(const AttentionConfig& attention, size_t i, size_t j) {
    return attention_allowed(attention, i, j, attention.sliding_window);
}

namespace {

// Per-head RMSNorm of every head vector in `m` ([n, heads * d]).
void head_norm(const ModelConfig& config, Matrix& m, size_t d, const ModelWeights& weights, const std::string& name) {
    const Weight w = load_weight(weights, name, {d});
    for (size_t r = 0; r < m.rows; ++r)
        for (size_t h = 0; h < m.cols / d; ++h)
            rms_norm_row(m.row(r) + h * d, d, w.values.data(), config.norm.epsilon, config.norm.add_unit_offset);
}

void rotate_all(const ModelConfig& config, const RopeConfig& rope, Matrix& m, size_t d) {
    const uint32_t dims = rotary_dims(config);
    const std::vector<double> inv_freq = rope_inverse_frequencies(rope, dims, uint32_t(m.rows));
    const double factor = rope_attention_factor(rope);
    for (size_t r = 0; r < m.rows; ++r)
        for (size_t h = 0; h < m.cols / d; ++h)
            apply_rope(m.row(r) + h * d, dims, rope.style, inv_freq, uint32_t(r), factor);
}

}  // namespace

Matrix attention(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x) {
    const std::string p = "layers." + std::to_string(layer) + ".attn.";
    const size_t heads = config.num_heads, kv = config.kv_heads(), d = config.head_size(), n = x.rows;
    const bool bias = config.attention.qkv_bias;
    Matrix q = linear(x, weights, p + "q", heads * d, bias);
    Matrix k = linear(x, weights, p + "k", kv * d, bias);
    Matrix v = linear(x, weights, p + "v", kv * d, bias);
    if (config.attention.qk_norm) {
        head_norm(config, q, d, weights, p + "q_norm.weight");
        head_norm(config, k, d, weights, p + "k_norm.weight");
    }
    if (config.position == PositionEncoding::RoPE) {
        const RopeConfig rope = layer_rope(config, layer);
        rotate_all(config, rope, q, d);
        rotate_all(config, rope, k, d);
    }
    const std::vector<double> slopes =
        config.position == PositionEncoding::ALiBi ? alibi_slopes(uint32_t(heads)) : std::vector<double>{};
    const double scale = config.attention.scale > 0 ? config.attention.scale : 1.0 / std::sqrt(double(d));
    const double cap = config.attention.logit_softcap;
    const uint32_t window = layer_window(config, layer);
    const auto allowed = [&](size_t i, size_t j) { return attention_allowed(config.attention, i, j, window); };

    Matrix out(n, heads * d);
    std::vector<double> scores(n);
    for (size_t h = 0; h < heads; ++h) {
        const size_t g = h / (heads / kv);  // kv head shared by this query head
        for (size_t i = 0; i < n; ++i) {
            const float* qi = q.row(i) + h * d;
            double max_score = -std::numeric_limits<double>::infinity();
            for (size_t j = 0; j < n; ++j) {
                if (!allowed(i, j)) continue;
                const float* kj = k.row(j) + g * d;
                double s = 0.0;
                for (size_t t = 0; t < d; ++t) s += double(qi[t]) * double(kj[t]);
                s *= scale;
                if (cap > 0) s = cap * std::tanh(s / cap);
                // ALiBi: linear penalty on distance (softmax ignores the per-row constant).
                if (!slopes.empty()) s += slopes[h] * (double(j) - double(i));
                scores[j] = s;
                max_score = std::max(max_score, s);
            }
            double total = 0.0;
            for (size_t j = 0; j < n; ++j)
                if (allowed(i, j)) total += scores[j] = std::exp(scores[j] - max_score);
            float* oi = out.row(i) + h * d;
            for (size_t t = 0; t < d; ++t) {
                double acc = 0.0;
                for (size_t j = 0; j < n; ++j)
                    if (allowed(i, j)) acc += scores[j] * double(v.row(j)[g * d + t]);
                oi[t] = float(acc / total);
            }
        }
    }
    return linear(out, weights, p + "o", config.hidden_size, config.attention.out_bias);
}

}  // namespace vkllm::ref
