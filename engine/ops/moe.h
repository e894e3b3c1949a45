#pragma once
// Mixture-of-Experts routing on the GPU. A step of n tokens is routed in two
// dispatches (moe_route.comp, moe_group.comp) into a plan that the expert
// layers (ops/expert_linear.h) and the combine read on the device, so a
// recorded step replays with any routing:
//   slots         [n, k]      per token and choice: expert (-1: passed on the
//                             residual), grouped row, weight
//   grouped rows  [n * k]     the slots sorted by expert: token, expert
//                             (-1 past the used rows)
//   tiles         [max_tiles] runs of at most kMoeTileRows grouped rows of one
//                             expert (expert, first row, rows), for the matmul
//
// Capacity (MoeRoutingSpec::capacity_factor > 0): an expert takes at most
// ceil(capacity_factor * n / experts) slots of a step. Tokens are served in
// order, each taking its choices best first. A choice whose expert is full
// goes, with the next-best policy, to the token's best-ranked expert that
// still has room and that it has not taken yet, weighted by that expert's own
// router probability (over the same top-k denominator when renormalising);
// with the drop policy, or when no expert has room, the slot adds nothing and
// the token passes that share on the residual.
#include <cstdint>
#include <memory>
#include <vector>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// Most experts a layer may have (the router kernels keep one value per expert in shared memory).
constexpr uint32_t kMaxExperts = 512;
// Grouped rows per matmul tile (the tile height of matmul.comp / matmul_coopmat.comp).
constexpr uint32_t kMoeTileRows = 64;

struct MoeRoutingSpec {
    uint32_t experts = 0;
    uint32_t top_k = 0;           // slots per token; all experts for dense (soft) MoE
    bool sigmoid = false;         // router probabilities: a sigmoid per expert; false: softmax over experts
    bool renormalize = true;      // divide slot weights by the token's top-k probability sum
    double capacity_factor = 0.0; // 0: unlimited
    bool overflow_next_best = true;
};

// Slots an expert may take in a step of `tokens` tokens; 0 means unlimited.
uint32_t moe_capacity(const MoeRoutingSpec& spec, uint32_t tokens);
// Tile entries a step of `tokens` tokens may need.
uint32_t moe_max_tiles(const MoeRoutingSpec& spec, uint32_t tokens);
// 32-bit words of one layer's running statistics (see MoeStats).
uint32_t moe_stats_words(uint32_t experts);

// The plan's device buffers, sized for steps of up to max_tokens tokens.
struct MoeRoutingBuffers {
    MoeRoutingBuffers(vk::Device& device, const MoeRoutingSpec& spec, uint32_t max_tokens);
    std::unique_ptr<vk::Buffer> probs, ranking, slots, grouped_rows, tiles;
};

// Running per-expert statistics of one layer, as the GPU accumulates them.
struct MoeStats {
    std::vector<uint64_t> chosen;    // top-k choices per expert (before capacity)
    std::vector<double> prob_sum;    // sum of router probabilities per expert
    std::vector<uint64_t> assigned;  // slots each expert ran (after capacity)
    uint64_t dropped = 0;            // slots passed on the residual
    uint64_t tokens = 0;
    uint32_t top_k = 0;

    // f_i: share of the top-k choices that went to expert i.
    double fraction(uint32_t expert) const;
    // P_i: mean router probability of expert i.
    double mean_probability(uint32_t expert) const;
    // N * sum_i f_i * P_i: 1 for a uniform router, up to N when routing collapses onto one expert.
    double balance() const;
};
// Decodes a layer's words (moe_stats_words of them) as written by the grouping kernel.
MoeStats decode_moe_stats(const uint32_t* words, uint32_t experts, uint32_t top_k);

// Routes n tokens: router logits [n, experts] -> the plan in `routing`, and
// adds this step's counts to `stats` (moe_stats_words words, zero to start).
// Records two dispatches with a barrier between them; callers put barriers
// before and after.
void record_moe_routing(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                        const vk::Buffer& logits, const MoeRoutingBuffers& routing, const vk::BufferBinding& stats,
                        uint32_t n);

// The shared expert's part of a MoE layer's output (optional).
struct SharedExpert {
    const vk::Buffer* out = nullptr;         // [n, hidden]
    const vk::Buffer* gate_logit = nullptr;  // [n]: scales `out` by sigmoid(gate); null: by 1
};

// out[t] = sum of token t's slot weights times their experts' rows of
// expert_out [n * k, hidden], plus the shared expert's part.
void record_moe_combine(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                        const vk::Buffer& expert_out, const MoeRoutingBuffers& routing, const SharedExpert& shared,
                        const vk::Buffer& out, uint32_t n, uint32_t hidden);

}  // namespace vkllm::ops
