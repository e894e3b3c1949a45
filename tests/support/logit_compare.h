#pragma once
// Distances between a computed float vector (logits, hidden states) and its
// reference, shared by every end-to-end suite.
#include <cstddef>
#include <vector>

namespace vkllm::test {

// ||a - b|| / ||b|| over rows [row * cols, (row + 1) * cols), or over
// everything when cols == 0; infinity when `a` holds a NaN or Inf there.
double relative_error(const std::vector<float>& a, const std::vector<float>& b, size_t row = 0, size_t cols = 0);
// ||a - b|| over everything.
double distance(const std::vector<float>& a, const std::vector<float>& b);
// max |a_i - b_i|.
double max_abs_error(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace vkllm::test
