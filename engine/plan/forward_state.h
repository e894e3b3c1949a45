#pragma once
// GpuForward's device buffers, shared by its setup (forward.cpp) and its
// dispatch list (forward_record.cpp).
#include <memory>

#include "ops/moe.h"
#include "plan/forward.h"
#include "vk/buffer.h"

namespace vkllm::plan {

// Activations, sized for max_step_tokens rows and reused by every layer.
struct GpuForward::Scratch {
    std::unique_ptr<vk::Buffer> x, h, h2, q, k, v, attn, proj, proj2, ffn_a, ffn_b, last_row, out, attention_scratch;
    std::unique_ptr<vk::Buffer> split_partials;  // split-K partial sums (ops::MatmulSplit)
    std::unique_ptr<vk::Buffer> device_logits, topk_ids, topk_values, topk_scratch;  // ForwardOptions::top_k
    // Mixture of experts: router logits [n, experts], the routing plan, grouped
    // expert activations [n * k, width] and outputs [n * k, hidden], the shared
    // expert's output and gate, and per-layer routing statistics (host-visible).
    ops::MoeRoutingSpec moe_spec;
    std::unique_ptr<ops::MoeRoutingBuffers> moe_routing;
    std::unique_ptr<vk::Buffer> router_logits, expert_a, expert_b, expert_out, shared_out, shared_gate, moe_stats;
    uint64_t moe_stats_stride = 0;  // bytes between layers in moe_stats
};

// Host-visible per-step inputs, written before each submission.
struct GpuForward::Inputs {
    std::unique_ptr<vk::Buffer> ids, positions, position_ids, type_ids, slots, seq_index, context_len, block_table,
        inv_freq, alibi_slopes, sinusoidal_rows;
    // Row of each sequence's last token in the step, so that one recorded
    // program gathers the last rows of any split of its tokens.
    std::unique_ptr<vk::Buffer> last_rows;
    // Inverse frequencies of the sliding-window layers when they rotate with
    // their own base (position.local_theta); null otherwise.
    std::unique_ptr<vk::Buffer> inv_freq_local;
};

}  // namespace vkllm::plan
