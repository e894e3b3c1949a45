#include "model/alibi_slopes.h"

#include <algorithm>
#include <cmath>

namespace vkllm {

namespace {
// Slope of 1-based head h in a model of n heads, n a power of two.
double power_of_two_slope(uint32_t n, uint32_t h) { return std::pow(2.0, -8.0 * double(h) / double(n)); }
}  // namespace

std::vector<double> alibi_slopes(uint32_t num_heads) {
    std::vector<double> slopes;
    if (num_heads == 0) return slopes;
    uint32_t p = 1;
    while (p * 2 <= num_heads) p *= 2;
    for (uint32_t h = 1; h <= p; ++h) slopes.push_back(power_of_two_slope(p, h));
    const uint32_t extra = std::min(p, num_heads - p);
    for (uint32_t j = 0; j < extra; ++j) slopes.push_back(power_of_two_slope(2 * p, 2 * j + 1));
    return slopes;
}

}  // namespace vkllm
