#include "reference/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "reference/activations.h"
#include "reference/ffn.h"

namespace vkllm::ref {

std::vector<double> route(const MoeConfig& moe, const float* logits) {
    const size_t n = moe.num_experts;
    std::vector<double> scores(n);
    if (moe.router == RouterType::Softmax) {
        const double max_logit = *std::max_element(logits, logits + n);
        double total = 0.0;
        for (size_t e = 0; e < n; ++e) total += scores[e] = std::exp(double(logits[e]) - max_logit);
        for (double& s : scores) s /= total;
    } else {
        for (size_t e = 0; e < n; ++e) scores[e] = sigmoid(logits[e]);
    }
    if (moe.dense) return scores;

    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    // Highest score first; equal scores keep the lower expert index.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    const size_t k = std::min<size_t>(moe.top_k, n);
    std::vector<double> weights(n, 0.0);
    double chosen = 0.0;
    for (size_t r = 0; r < k; ++r) chosen += weights[order[r]] = scores[order[r]];
    if (moe.renormalize_top_k && chosen > 0)
        for (double& w : weights) w /= chosen;
    return weights;
}

Matrix moe(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x) {
    const MoeConfig& m = config.moe;
    const std::string p = "layers." + std::to_string(layer) + ".moe.";
    const Matrix logits = linear(x, weights, p + "router", m.num_experts, false);
    std::vector<std::vector<double>> token_weights(x.rows);
    for (size_t t = 0; t < x.rows; ++t) token_weights[t] = route(m, logits.row(t));

    const size_t expert_width = m.expert_intermediate_size ? m.expert_intermediate_size : config.ffn.intermediate_size;
    FfnConfig expert_ffn = config.ffn;
    Matrix out(x.rows, x.cols);
    for (uint32_t e = 0; e < m.num_experts; ++e) {
        // Run the expert once over every token that chose it.
        std::vector<size_t> tokens;
        for (size_t t = 0; t < x.rows; ++t)
            if (token_weights[t][e] != 0.0) tokens.push_back(t);
        if (tokens.empty()) continue;
        Matrix in(tokens.size(), x.cols);
        for (size_t r = 0; r < tokens.size(); ++r) std::copy(x.row(tokens[r]), x.row(tokens[r]) + x.cols, in.row(r));
        const Matrix y = ffn(expert_ffn, weights, p + "experts." + std::to_string(e), in, expert_width, false);
        for (size_t r = 0; r < tokens.size(); ++r) {
            const double w = token_weights[tokens[r]][e];
            for (size_t c = 0; c < x.cols; ++c) out.row(tokens[r])[c] += float(w * double(y.row(r)[c]));
        }
    }
    if (m.shared_experts > 0) {
        const size_t shared_width =
            m.shared_expert_intermediate_size ? m.shared_expert_intermediate_size : m.shared_experts * expert_width;
        const Matrix shared = ffn(expert_ffn, weights, p + "shared", x, shared_width, false);
        Matrix gate;
        if (m.shared_expert_gate) gate = linear(x, weights, p + "shared_gate", 1, false);
        for (size_t t = 0; t < x.rows; ++t) {
            const double g = m.shared_expert_gate ? sigmoid(gate.row(t)[0]) : 1.0;
            for (size_t c = 0; c < x.cols; ++c) out.row(t)[c] += float(g * double(shared.row(t)[c]));
        }
    }
    return out;
}

}  // namespace vkllm::ref
