#include "runtime/shortlist.h"

#include <algorithm>

namespace vkllm::runtime {

uint32_t shortlist_size(const SamplingParams& p, uint32_t most) {
    const bool penalties = p.repetition_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f;
    uint32_t k = p.greedy() ? 1 : uint32_t(std::max(p.top_k, 0));
    // No top-k: as many as there are; the sampler tells per row whether they
    // decide the draw (Sampler::shortlist_decides).
    if (k == 0) return most;
    if (penalties) k = std::max(2 * k, k + 16);
    return std::min(k, most);
}

}  // namespace vkllm::runtime
