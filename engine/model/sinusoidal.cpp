#include "model/sinusoidal.h"

#include <cmath>

namespace vkllm {

void add_sinusoidal_position(float* row, size_t hidden, uint32_t position) {
    for (size_t i = 0; 2 * i < hidden; ++i) {
        const double angle = double(position) / std::pow(10000.0, double(2 * i) / double(hidden));
        row[2 * i] += float(std::sin(angle));
        if (2 * i + 1 < hidden) row[2 * i + 1] += float(std::cos(angle));
    }
}

}  // namespace vkllm
