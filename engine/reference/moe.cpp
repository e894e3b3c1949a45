#include "reference/moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "reference/activations.h"
#include "reference/ffn.h"

namespace vkllm::ref {

std::vector<double> router_probabilities(const MoeConfig& moe, const float* logits) {
    const size_t n = moe.num_experts;
    std::vector<double> p(n);
    if (moe.router == RouterType::Softmax) {
        const double max_logit = *std::max_element(logits, logits + n);
        double total = 0.0;
        for (size_t e = 0; e < n; ++e) total += p[e] = std::exp(double(logits[e]) - max_logit);
        for (double& s : p) s /= total;
    } else {
        for (size_t e = 0; e < n; ++e) p[e] = sigmoid(logits[e]);
    }
    return p;
}

std::vector<uint32_t> rank_experts(const MoeConfig& moe, const float* logits) {
    std::vector<uint32_t> order(moe.num_experts);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return logits[a] > logits[b]; });
    return order;
}

Routing route_batch(const MoeConfig& moe, const float* logits, size_t tokens) {
    const uint32_t experts = moe.num_experts;
    const uint32_t k = moe.dense ? experts : std::min(moe.top_k, experts);
    const bool renormalize = moe.renormalize_top_k && !moe.dense;
    uint32_t capacity = 0;
    if (moe.capacity_factor > 0)
        capacity = uint32_t(std::max(1.0, std::ceil(moe.capacity_factor * double(tokens) / experts)));

    Routing r;
    r.slots_per_token = k;
    r.expert.assign(tokens * k, -1);
    r.weight.assign(tokens * k, 0.0);
    r.probability.resize(tokens * experts);
    r.chosen.assign(experts, 0);
    std::vector<uint32_t> load(experts, 0);
    for (size_t t = 0; t < tokens; ++t) {
        const float* row = logits + t * experts;
        const std::vector<double> p = router_probabilities(moe, row);
        std::copy(p.begin(), p.end(), r.probability.begin() + t * experts);
        const std::vector<uint32_t> order = rank_experts(moe, row);
        double denominator = 0.0;
        for (uint32_t j = 0; j < k; ++j) {
            denominator += p[order[j]];
            ++r.chosen[order[j]];
        }
        if (!renormalize || denominator <= 0) denominator = 1.0;
        // Choices best first; under a capacity a full expert's choice moves on
        // down the ranking (next_best) or is dropped.
        uint32_t next = 0;
        for (uint32_t j = 0; j < k; ++j) {
            int32_t taken = -1;
            while (next < experts) {
                const uint32_t e = order[next++];
                if (capacity == 0 || load[e] < capacity) {
                    taken = int32_t(e);
                    ++load[e];
                    break;
                }
                if (moe.capacity_overflow == CapacityOverflow::Drop) break;
            }
            r.expert[t * k + j] = taken;
            if (taken >= 0) r.weight[t * k + j] = p[taken] / denominator;
        }
    }
    return r;
}

Matrix moe(const ModelConfig& config, const ModelWeights& weights, uint32_t layer, const Matrix& x) {
    const MoeConfig& m = config.moe;
    const std::string p = "layers." + std::to_string(layer) + ".moe.";
    const Matrix logits = linear(x, weights, p + "router", m.num_experts, false);
    const Routing routing = route_batch(m, logits.row(0), x.rows);
    const uint32_t k = routing.slots_per_token;

    const size_t expert_width = m.expert_intermediate_size ? m.expert_intermediate_size : config.ffn.intermediate_size;
    FfnConfig expert_ffn = config.ffn;
    Matrix out(x.rows, x.cols);
    for (uint32_t e = 0; e < m.num_experts; ++e) {
        // Run the expert once over every slot routed to it.
        std::vector<size_t> slots;
        for (size_t s = 0; s < routing.expert.size(); ++s)
            if (routing.expert[s] == int32_t(e)) slots.push_back(s);
        if (slots.empty()) continue;
        Matrix in(slots.size(), x.cols);
        for (size_t r = 0; r < slots.size(); ++r) {
            const float* src = x.row(slots[r] / k);
            std::copy(src, src + x.cols, in.row(r));
        }
        const Matrix y = ffn(expert_ffn, weights, p + "experts." + std::to_string(e), in, expert_width, false);
        for (size_t r = 0; r < slots.size(); ++r) {
            const double w = routing.weight[slots[r]];
            float* dst = out.row(slots[r] / k);
            for (size_t c = 0; c < x.cols; ++c) dst[c] += float(w * double(y.row(r)[c]));
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
