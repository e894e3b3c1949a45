#pragma once
// Mixture-of-Experts routing statistics for people and scripts: the per-layer
// table and summary that `run --moe-stats` and `bench` print, and the same
// numbers as JSON.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ops/moe.h"

namespace vkllm::cli {

struct MoeSummary {
    double mean_balance = 0;  // over the layers that routed tokens
    double max_balance = 0;
    uint32_t max_balance_layer = 0;
    std::vector<std::pair<uint32_t, uint32_t>> idle_experts;  // (layer, expert) that ran no slot
};

MoeSummary summarize_moe(const std::vector<ops::MoeStats>& layers);

// One line: mean and max balance over layers and the experts that got no tokens.
std::string format_moe_summary(const MoeSummary& summary, uint32_t layers);

// Per layer: each expert's chosen count (and assigned count when a capacity
// moved or dropped slots), f_i and P_i, the balance and dropped slots; then the summary line.
std::string format_moe_report(const std::vector<ops::MoeStats>& layers);

// An array with one object per layer.
nlohmann::json moe_stats_json(const std::vector<ops::MoeStats>& layers);

// Adds "moe_balance_mean", "moe_balance_max" and "moe_idle_experts" to `out`.
void add_moe_summary_json(nlohmann::json& out, const MoeSummary& summary);

}  // namespace vkllm::cli
