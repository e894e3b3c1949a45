#include "runtime/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vkllm::runtime {

RowLogprobs row_logprobs(std::span<const float> logits, int32_t chosen, uint32_t top) {
    const float peak = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float x : logits) sum += std::exp(double(x) - peak);
    const double log_z = double(peak) + std::log(sum);
    RowLogprobs out;
    out.chosen = float(double(logits[size_t(chosen)]) - log_z);
    const size_t k = std::min<size_t>(top, logits.size());
    if (k == 0) return out;
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + ptrdiff_t(k), ids.end(), [&](int32_t a, int32_t b) {
        return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
    });
    for (size_t i = 0; i < k; ++i) out.top.push_back({ids[i], float(double(logits[size_t(ids[i])]) - log_z)});
    return out;
}

}  // namespace vkllm::runtime
