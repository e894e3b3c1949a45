#pragma once
// The fixed sinusoidal position table (Vaswani et al.), one row at a time, for
// the GPU path and the CPU reference.
#include <cstddef>
#include <cstdint>

namespace vkllm {

// Transformer sinusoidal encoding: [2i] = sin(p / 10000^(2i/d)), [2i+1] = cos(same), added to `row`.
void add_sinusoidal_position(float* row, size_t hidden, uint32_t position);

}  // namespace vkllm
