#include "reference/rope.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "vkllm/error.h"

namespace vkllm::ref {

void apply_rope(float* head, uint32_t dims, RopeStyle style, const std::vector<double>& inv_freq, uint32_t position,
                double attention_factor) {
    const uint32_t half = dims / 2;
    for (uint32_t i = 0; i < half; ++i) {
        const double angle = double(position) * inv_freq[i];
        const double c = std::cos(angle) * attention_factor, s = std::sin(angle) * attention_factor;
        const uint32_t a = style == RopeStyle::NeoX ? i : 2 * i;
        const uint32_t b = style == RopeStyle::NeoX ? i + half : 2 * i + 1;
        const double x = head[a], y = head[b];
        head[a] = float(x * c - y * s);
        head[b] = float(y * c + x * s);
    }
}

}  // namespace vkllm::ref
