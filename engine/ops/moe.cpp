#include "ops/moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/chunking.h"
#include "ops/variants.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {

struct RoutePush {
    uint32_t experts;
};

struct GroupPush {
    uint32_t n, k, experts, capacity, next_best, renormalize, max_tiles;
};

struct CombinePush {
    uint32_t n, k, hidden, shared_mode, row_groups;
};

void check_spec(const MoeRoutingSpec& spec) {
    if (spec.experts == 0 || spec.experts > kMaxExperts)
        throw InputError("MoE routing: " + std::to_string(spec.experts) + " experts is outside [1, " +
                         std::to_string(kMaxExperts) + "]");
    if (spec.top_k == 0 || spec.top_k > spec.experts)
        throw InputError("MoE routing: top_k " + std::to_string(spec.top_k) + " is outside [1, " +
                         std::to_string(spec.experts) + "]");
}

// The kernels index the plan by n and the spec without bounds checks, so a
// step larger than the buffers were made for must stop here.
void check_plan_fits(const MoeRoutingSpec& spec, const MoeRoutingBuffers& routing, uint32_t n) {
    const uint64_t scores = uint64_t(n) * spec.experts * 4, slots = uint64_t(n) * spec.top_k;
    if (routing.probs->size() < scores || routing.ranking->size() < scores || routing.slots->size() < slots * 16 ||
        routing.grouped_rows->size() < slots * 8 || routing.tiles->size() < uint64_t(moe_max_tiles(spec, n)) * 16)
        throw Error("MoE routing: a step of " + std::to_string(n) + " tokens (" + std::to_string(spec.experts) +
                    " experts, top-" + std::to_string(spec.top_k) + ") does not fit the routing buffers");
}

std::unique_ptr<vk::Buffer> device_words(vk::Device& device, uint64_t words, const char* name) {
    return std::make_unique<vk::Buffer>(device, std::max<uint64_t>(words, 1) * 4, vk::BufferKind::Device, name);
}

}  // namespace

uint32_t moe_capacity(const MoeRoutingSpec& spec, uint32_t tokens) {
    if (spec.capacity_factor <= 0) return 0;
    return uint32_t(std::max(1.0, std::ceil(spec.capacity_factor * tokens / spec.experts)));
}

uint32_t moe_max_tiles(const MoeRoutingSpec& spec, uint32_t tokens) {
    // Each expert with slots ends in at most one partial tile.
    const uint32_t slots = tokens * spec.top_k;
    return slots / kMoeTileRows + std::min(spec.experts, slots) + 1;
}

uint32_t moe_stats_words(uint32_t experts) { return 3 * experts + 2; }

MoeRoutingBuffers::MoeRoutingBuffers(vk::Device& device, const MoeRoutingSpec& spec, uint32_t max_tokens) {
    check_spec(spec);
    const uint64_t per_token = spec.experts, slots = uint64_t(max_tokens) * spec.top_k;
    probs = device_words(device, max_tokens * per_token, "router probabilities");
    ranking = device_words(device, max_tokens * per_token, "router ranking");
    this->slots = device_words(device, slots * 4, "expert slots");
    grouped_rows = device_words(device, slots * 2, "grouped expert rows");
    tiles = device_words(device, uint64_t(moe_max_tiles(spec, max_tokens)) * 4, "expert tiles");
}

double MoeStats::fraction(uint32_t e) const {
    const uint64_t all = tokens * top_k;
    return all ? double(chosen[e]) / double(all) : 0.0;
}

double MoeStats::mean_probability(uint32_t e) const { return tokens ? prob_sum[e] / double(tokens) : 0.0; }

double MoeStats::balance() const {
    double sum = 0.0;
    for (uint32_t e = 0; e < chosen.size(); ++e) sum += fraction(e) * mean_probability(e);
    return double(chosen.size()) * sum;
}

MoeStats decode_moe_stats(const uint32_t* words, uint32_t experts, uint32_t top_k) {
    MoeStats s;
    s.top_k = top_k;
    s.chosen.resize(experts);
    s.prob_sum.resize(experts);
    s.assigned.resize(experts);
    for (uint32_t e = 0; e < experts; ++e) {
        s.chosen[e] = words[e];
        float f;
        std::memcpy(&f, &words[experts + e], 4);
        s.prob_sum[e] = f;
        s.assigned[e] = words[2 * experts + e];
    }
    s.dropped = words[3 * experts];
    s.tokens = words[3 * experts + 1];
    return s;
}

void record_moe_routing(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                        const vk::Buffer& logits, const MoeRoutingBuffers& routing, const vk::BufferBinding& stats,
                        uint32_t n) {
    check_spec(spec);
    check_plan_fits(spec, routing, n);
    const uint64_t stats_bytes = stats.range == VK_WHOLE_SIZE ? stats.buffer->size() - stats.offset : stats.range;
    if (stats_bytes < uint64_t(moe_stats_words(spec.experts)) * 4)
        throw Error("MoE routing: the statistics binding of '" + stats.buffer->name() + "' holds " +
                    std::to_string(stats_bytes) + " bytes, " + std::to_string(spec.experts) + " experts need " +
                    std::to_string(moe_stats_words(spec.experts) * 4));
    const auto& caps = device.caps();
    const uint32_t route_wg = reduction_workgroup(caps, 64);
    const auto& route = device.pipeline({"moe_route" + reduction_variant(caps), 3, sizeof(RoutePush),
                                         {route_wg, spec.sigmoid ? 1u : 0u}});
    commands.dispatch(route, {logits, *routing.probs, *routing.ranking}, RoutePush{spec.experts}, n);
    commands.barrier();

    const uint32_t group_wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const auto& group = device.pipeline({"moe_group", 6, sizeof(GroupPush), {group_wg, kMoeTileRows}});
    GroupPush push{n, spec.top_k, spec.experts, moe_capacity(spec, n), spec.overflow_next_best ? 1u : 0u,
                   spec.renormalize ? 1u : 0u, moe_max_tiles(spec, n)};
    commands.dispatch(group, {*routing.probs, *routing.ranking, *routing.slots, *routing.grouped_rows, *routing.tiles, stats},
                      push, 1);
}

void record_moe_combine(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                        const vk::Buffer& expert_out, const MoeRoutingBuffers& routing, const SharedExpert& shared,
                        const vk::Buffer& out, uint32_t n, uint32_t hidden) {
    check_plan_fits(spec, routing, n);
    const auto& caps = device.caps();
    check_binding_fits(caps, uint64_t(n) * spec.top_k * hidden * 4, "MoE combine: expert outputs");
    const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
    const auto& pipeline = device.pipeline({"moe_combine", 5, sizeof(CombinePush), {wg}});
    const uint32_t shared_mode = !shared.out ? 0u : shared.gate_logit ? 2u : 1u;
    // Absent operands bind a buffer the kernel then never reads.
    const vk::Buffer& shared_out = shared.out ? *shared.out : expert_out;
    const vk::Buffer& gate = shared.gate_logit ? *shared.gate_logit : expert_out;
    const uint64_t elements = uint64_t(n) * hidden;
    const uint32_t groups = uint32_t((elements + wg - 1) / wg);
    const uint32_t x = std::min(groups, caps.max_workgroup_count[0]);
    const uint32_t y = (groups + x - 1) / x;
    commands.dispatch(pipeline, {expert_out, *routing.slots, shared_out, gate, out},
                      CombinePush{n, spec.top_k, hidden, shared_mode, x}, x, y);
}

}  // namespace vkllm::ops
