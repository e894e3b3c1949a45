#include "moe_stats_report.h"

#include <cstdarg>
#include <cstdio>

namespace vkllm::cli {
namespace {

void appendf(std::string& out, const char* format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    out += line;
}

// Whether capacity moved or dropped any slot of the layer, so that the
// assigned counts say something the chosen counts do not.
bool capacity_changed_anything(const ops::MoeStats& s) {
    return s.dropped > 0 || s.assigned != s.chosen;
}

}  // namespace

MoeSummary summarize_moe(const std::vector<ops::MoeStats>& layers) {
    MoeSummary summary;
    uint32_t routed = 0;
    for (uint32_t l = 0; l < layers.size(); ++l) {
        const ops::MoeStats& s = layers[l];
        if (s.tokens == 0) continue;
        const double balance = s.balance();
        summary.mean_balance += balance;
        if (routed == 0 || balance > summary.max_balance) {
            summary.max_balance = balance;
            summary.max_balance_layer = l;
        }
        ++routed;
        for (uint32_t e = 0; e < s.assigned.size(); ++e)
            if (s.assigned[e] == 0) summary.idle_experts.emplace_back(l, e);
    }
    if (routed > 0) summary.mean_balance /= routed;
    return summary;
}

std::string format_moe_summary(const MoeSummary& summary, uint32_t layers) {
    std::string out;
    appendf(out, "MoE balance over %u layers: mean %.3f, max %.3f (layer %u); experts with no tokens: ", layers,
            summary.mean_balance, summary.max_balance, summary.max_balance_layer);
    if (summary.idle_experts.empty()) out += "none";
    uint32_t current = UINT32_MAX;
    for (auto [layer, expert] : summary.idle_experts) {
        if (layer != current) {
            appendf(out, "%slayer %u expert", current == UINT32_MAX ? "" : "; ", layer);
            current = layer;
        }
        appendf(out, " %u", expert);
    }
    return out;
}

std::string format_moe_report(const std::vector<ops::MoeStats>& layers) {
    std::string out;
    for (uint32_t l = 0; l < layers.size(); ++l) {
        const ops::MoeStats& s = layers[l];
        const uint32_t experts = uint32_t(s.chosen.size());
        appendf(out, "MoE layer %u: %llu tokens, top-%u of %u experts, balance N*sum(f_i*P_i) = %.3f (1 uniform, %u collapsed)\n",
                l, (unsigned long long)s.tokens, s.top_k, experts, s.balance(), experts);
        const bool assigned = capacity_changed_anything(s);
        out += assigned ? "  expert   chosen assigned      f_i      P_i\n" : "  expert   chosen      f_i      P_i\n";
        for (uint32_t e = 0; e < experts; ++e) {
            appendf(out, "  %6u %8llu", e, (unsigned long long)s.chosen[e]);
            if (assigned) appendf(out, " %8llu", (unsigned long long)s.assigned[e]);
            appendf(out, " %8.4f %8.4f\n", s.fraction(e), s.mean_probability(e));
        }
        if (s.dropped > 0)
            appendf(out, "  dropped slots: %llu of %llu (passed on the residual)\n", (unsigned long long)s.dropped,
                    (unsigned long long)(s.tokens * s.top_k));
    }
    out += format_moe_summary(summarize_moe(layers), uint32_t(layers.size()));
    out += "\n";
    return out;
}

nlohmann::json moe_stats_json(const std::vector<ops::MoeStats>& layers) {
    nlohmann::json array = nlohmann::json::array();
    for (uint32_t l = 0; l < layers.size(); ++l) {
        const ops::MoeStats& s = layers[l];
        nlohmann::json experts = nlohmann::json::array();
        for (uint32_t e = 0; e < s.chosen.size(); ++e)
            experts.push_back({{"expert", e},
                               {"chosen", s.chosen[e]},
                               {"assigned", s.assigned[e]},
                               {"fraction", s.fraction(e)},
                               {"mean_probability", s.mean_probability(e)}});
        array.push_back({{"layer", l},
                         {"tokens", s.tokens},
                         {"top_k", s.top_k},
                         {"dropped", s.dropped},
                         {"balance", s.balance()},
                         {"experts", std::move(experts)}});
    }
    return array;
}

void add_moe_summary_json(nlohmann::json& out, const MoeSummary& summary) {
    out["moe_balance_mean"] = summary.mean_balance;
    out["moe_balance_max"] = summary.max_balance;
    nlohmann::json idle = nlohmann::json::array();
    for (auto [layer, expert] : summary.idle_experts) idle.push_back({{"layer", layer}, {"expert", expert}});
    out["moe_idle_experts"] = std::move(idle);
}

}  // namespace vkllm::cli
