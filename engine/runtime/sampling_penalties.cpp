#include "runtime/sampling_penalties.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "vkllm/error.h"

namespace vkllm::runtime {

void apply_penalties(std::span<float> logits, std::span<const int32_t> history, const SamplingParams& params) {
    const bool any = params.repetition_penalty != 1.0f || params.frequency_penalty != 0.0f || params.presence_penalty != 0.0f;
    if (!any || history.empty()) return;
    std::unordered_map<int32_t, int> counts;
    for (int32_t id : history) {
        if (id < 0 || static_cast<std::size_t>(id) >= logits.size())
            throw InputError("sampling history: token id " + std::to_string(id) + " is outside the vocabulary (size " +
                             std::to_string(logits.size()) + ")");
        ++counts[id];
    }
    for (const auto& [id, count] : counts) {
        float& logit = logits[id];
        if (params.repetition_penalty != 1.0f)
            logit = logit > 0.0f ? logit / params.repetition_penalty : logit * params.repetition_penalty;
        logit -= static_cast<float>(count) * params.frequency_penalty + params.presence_penalty;
    }
}

}  // namespace vkllm::runtime
