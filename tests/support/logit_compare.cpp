#include "support/logit_compare.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

namespace vkllm::test {

double relative_error(const std::vector<float>& a, const std::vector<float>& b, size_t row, size_t cols) {
    REQUIRE(a.size() == b.size());
    const size_t begin = cols ? row * cols : 0, end = cols ? begin + cols : a.size();
    double diff = 0, norm = 0;
    for (size_t i = begin; i < end; ++i) {
        if (!std::isfinite(a[i])) return std::numeric_limits<double>::infinity();
        const double d = double(a[i]) - double(b[i]);
        diff += d * d;
        norm += double(b[i]) * b[i];
    }
    return std::sqrt(diff / norm);
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        diff += d * d;
    }
    return std::sqrt(diff);
}

double max_abs_error(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
    return worst;
}

}  // namespace vkllm::test
