#pragma once
// Routing plans for the MoE kernel tests: the routing policy of ops/moe.h
// computed on the CPU in double precision, and the plan a GPU routing left in
// MoeRoutingBuffers, read back word for word.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "kernels/gpu_test_context.h"
#include "ops/moe.h"

namespace vkllm::test {

struct CpuRouting {
    std::vector<double> probs;       // [n, experts]
    std::vector<int32_t> ranking;    // [n, experts]: expert ids, best first
    std::vector<int32_t> expert;     // [n, k]: -1 when the slot is dropped
    std::vector<double> weight;      // [n, k]: 0 when dropped
    std::vector<uint32_t> chosen;    // per expert, before capacity
    std::vector<uint32_t> assigned;  // per expert, after capacity
    std::vector<double> prob_sum;    // per expert, over the tokens
    uint32_t dropped = 0;
};

inline CpuRouting route_on_cpu(const ops::MoeRoutingSpec& spec, const std::vector<float>& logits, uint32_t n) {
    const uint32_t experts = spec.experts, k = spec.top_k;
    uint32_t capacity = 0;
    if (spec.capacity_factor > 0)
        capacity = uint32_t(std::max(1.0, std::ceil(spec.capacity_factor * double(n) / double(experts))));
    CpuRouting r;
    r.probs.resize(size_t(n) * experts);
    r.ranking.resize(size_t(n) * experts);
    r.expert.assign(size_t(n) * k, -1);
    r.weight.assign(size_t(n) * k, 0.0);
    r.chosen.assign(experts, 0);
    r.assigned.assign(experts, 0);
    r.prob_sum.assign(experts, 0.0);
    for (uint32_t t = 0; t < n; ++t) {
        const float* l = logits.data() + size_t(t) * experts;
        double* p = r.probs.data() + size_t(t) * experts;
        const double top = *std::max_element(l, l + experts);
        double total = 0.0;
        for (uint32_t e = 0; e < experts; ++e) {
            p[e] = spec.sigmoid ? 1.0 / (1.0 + std::exp(-double(l[e]))) : std::exp(double(l[e]) - top);
            total += p[e];
        }
        for (uint32_t e = 0; e < experts; ++e) {
            if (!spec.sigmoid) p[e] /= total;
            r.prob_sum[e] += p[e];
        }
        int32_t* order = r.ranking.data() + size_t(t) * experts;
        std::iota(order, order + experts, 0);
        std::stable_sort(order, order + experts, [&](int32_t a, int32_t b) { return l[a] > l[b]; });

        double denominator = 0.0;
        for (uint32_t j = 0; j < k; ++j) {
            denominator += p[order[j]];
            ++r.chosen[order[j]];
        }
        if (!spec.renormalize) denominator = 1.0;
        // Choices best first; a full expert's choice moves down the ranking or is dropped.
        uint32_t next = 0;
        for (uint32_t j = 0; j < k; ++j) {
            int32_t taken = -1;
            while (next < experts) {
                const int32_t e = order[next++];
                if (capacity == 0 || r.assigned[e] < capacity) {
                    taken = e;
                    ++r.assigned[e];
                    break;
                }
                if (!spec.overflow_next_best) break;
            }
            r.expert[size_t(t) * k + j] = taken;
            if (taken >= 0) r.weight[size_t(t) * k + j] = p[taken] / denominator;
            else ++r.dropped;
        }
    }
    return r;
}

// The device buffers of one routing, with zeroed running statistics.
struct GpuRouting {
    std::unique_ptr<ops::MoeRoutingBuffers> buffers;
    std::unique_ptr<vk::Buffer> stats;
};

// The plan buffers start out filled with a poison word, so that a kernel
// that skips writing part of the plan (unused rows, unused tiles) is caught.
constexpr uint32_t kPlanPoison = 0xA5A5A5A5u;

inline GpuRouting make_gpu_routing(const ops::MoeRoutingSpec& spec, uint32_t max_tokens) {
    GpuRouting g;
    g.buffers = std::make_unique<ops::MoeRoutingBuffers>(gpu(), spec, max_tokens);
    const std::vector<uint32_t> zeros(ops::moe_stats_words(spec.experts), 0u);
    g.stats = make_buffer_bytes(zeros.data(), zeros.size() * 4, "moe stats");
    const ops::MoeRoutingBuffers& b = *g.buffers;
    run_once([&](vk::CommandBuffer& c) {
        for (const vk::Buffer* buffer : {b.probs.get(), b.ranking.get(), b.slots.get(), b.grouped_rows.get(),
                                         b.tiles.get()})
            c.fill(*buffer, kPlanPoison);
    });
    return g;
}

inline GpuRouting route_on_gpu(const ops::MoeRoutingSpec& spec, const std::vector<float>& logits, uint32_t n) {
    GpuRouting g = make_gpu_routing(spec, n);
    auto in = make_buffer(logits, "router logits");
    run_once([&](vk::CommandBuffer& c) { ops::record_moe_routing(gpu(), c, spec, *in, *g.buffers, *g.stats, n); });
    return g;
}

template <typename T>
std::vector<T> read_words(const vk::Buffer& buffer, size_t count) {
    std::vector<T> out(count);
    if (count) vk::download(gpu(), buffer, out.data(), count * sizeof(T));
    return out;
}

struct GpuPlan {
    std::vector<float> probs;
    std::vector<int32_t> ranking;
    std::vector<std::array<int32_t, 4>> slots;         // expert, grouped row, weight bits, 0
    std::vector<std::array<int32_t, 2>> grouped_rows;  // token, expert
    std::vector<std::array<uint32_t, 4>> tiles;        // expert, first row, rows, 0
    std::vector<uint32_t> stats;

    float slot_weight(size_t slot) const {
        float w;
        std::memcpy(&w, &slots[slot][2], 4);
        return w;
    }
    uint32_t used_rows() const {
        return uint32_t(std::count_if(slots.begin(), slots.end(), [](const auto& s) { return s[0] >= 0; }));
    }
};

inline GpuPlan read_plan(const ops::MoeRoutingSpec& spec, const GpuRouting& g, uint32_t n) {
    const size_t scores = size_t(n) * spec.experts, slots = size_t(n) * spec.top_k;
    GpuPlan plan;
    plan.probs = read_words<float>(*g.buffers->probs, scores);
    plan.ranking = read_words<int32_t>(*g.buffers->ranking, scores);
    plan.slots = read_words<std::array<int32_t, 4>>(*g.buffers->slots, slots);
    plan.grouped_rows = read_words<std::array<int32_t, 2>>(*g.buffers->grouped_rows, slots);
    plan.tiles = read_words<std::array<uint32_t, 4>>(*g.buffers->tiles, ops::moe_max_tiles(spec, n));
    plan.stats = read_words<uint32_t>(*g.stats, ops::moe_stats_words(spec.experts));
    return plan;
}

}  // namespace vkllm::test
