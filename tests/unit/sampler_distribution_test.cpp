// Sampling draws from the right distribution: chi-square goodness of fit of
// many seeded draws against the exact truncated, renormalised distribution.
// The seed is fixed, so the outcome is deterministic; the critical values are
// for significance 0.001, so a correct sampler fails with probability 1e-3
// for a random seed, while the power checks show a wrong distribution fails.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "runtime/sampler.h"

namespace {

using vkllm::runtime::Sampler;
using vkllm::runtime::SamplingParams;

const std::vector<float> kLogits{2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, -3.0f};
constexpr int kDraws = 100000;

// Chi-square critical values at significance 0.001 for 1..7 degrees of freedom.
double critical_value(int degrees_of_freedom) {
    static const double table[] = {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322};
    REQUIRE(degrees_of_freedom >= 1);
    REQUIRE(degrees_of_freedom <= 7);
    return table[degrees_of_freedom - 1];
}

// The textbook definition, written independently of the sampler: softmax of
// logits / T over the top-k, then the smallest top set with mass >= top_p,
// then the min-p cut, renormalised.
std::vector<double> expected_distribution(const SamplingParams& p) {
    const std::size_t n = kLogits.size();
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [](int a, int b) { return kLogits[a] > kLogits[b]; });
    const std::size_t k = p.top_k > 0 ? std::min<std::size_t>(p.top_k, n) : n;
    order.resize(k);
    std::vector<double> prob(n, 0.0);
    double sum = 0;
    for (int id : order) sum += prob[id] = std::exp(static_cast<double>(kLogits[id]) / static_cast<double>(p.temperature));
    for (int id : order) prob[id] /= sum;
    const double top = prob[order[0]];
    double mass = 0;
    std::vector<int> kept;
    for (int id : order) {
        if (mass >= p.top_p) break;
        mass += prob[id];
        kept.push_back(id);
    }
    std::erase_if(kept, [&](int id) { return prob[id] < p.min_p * top; });
    std::vector<double> result(n, 0.0);
    double kept_sum = 0;
    for (int id : kept) kept_sum += prob[id];
    for (int id : kept) result[id] = prob[id] / kept_sum;
    return result;
}

std::vector<int> draw_counts(const SamplingParams& p) {
    Sampler sampler(p);
    std::vector<int> counts(kLogits.size(), 0);
    for (int i = 0; i < kDraws; ++i) ++counts[sampler.sample(kLogits)];
    return counts;
}

struct ChiSquare {
    double statistic = 0;
    int degrees_of_freedom = -1;
};

// Over the tokens the expected distribution allows; draws elsewhere are
// checked to be zero separately.
ChiSquare chi_square(const std::vector<int>& counts, const std::vector<double>& expected) {
    ChiSquare result;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (expected[i] == 0) continue;
        const double e = expected[i] * kDraws;
        result.statistic += (counts[i] - e) * (counts[i] - e) / e;
        ++result.degrees_of_freedom;
    }
    return result;
}

void check_fit(const SamplingParams& p) {
    const std::vector<double> expected = expected_distribution(p);
    const std::vector<int> counts = draw_counts(p);
    for (std::size_t i = 0; i < counts.size(); ++i)
        if (expected[i] == 0) CHECK(counts[i] == 0);
    const ChiSquare fit = chi_square(counts, expected);
    CAPTURE(fit.statistic);
    CHECK(fit.statistic < critical_value(fit.degrees_of_freedom));

    // The exact distribution the sampler reports agrees with the definition.
    const auto reported = Sampler(p).distribution(kLogits);
    double total = 0;
    for (const auto& choice : reported) {
        CHECK(choice.probability == doctest::Approx(expected[choice.id]).epsilon(1e-12));  // double rounding only
        total += choice.probability;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
}

}  // namespace

TEST_CASE("sampler distribution: the reference definition on a hand-worked case") {
    // top-k 2 at T=1: e^2 / (e^2 + e^1.5) = 1 / (1 + e^-0.5).
    SamplingParams p;
    p.top_k = 2;
    const auto expected = expected_distribution(p);
    CHECK(expected[0] == doctest::Approx(0.6224593312018546).epsilon(1e-12));
    CHECK(expected[1] == doctest::Approx(0.3775406687981454).epsilon(1e-12));
}

TEST_CASE("sampler distribution: temperature alone fits (chi-square, 7 dof)") {
    SamplingParams p;
    p.temperature = 0.7f;
    p.seed = 1234;
    check_fit(p);
}

TEST_CASE("sampler distribution: top-k fits and truncates") {
    SamplingParams p;
    p.top_k = 4;
    p.seed = 99;
    check_fit(p);
}

TEST_CASE("sampler distribution: top-p fits and truncates") {
    SamplingParams p;
    p.top_p = 0.8f;
    p.seed = 7;
    check_fit(p);
}

TEST_CASE("sampler distribution: temperature, top-k, top-p and min-p together") {
    SamplingParams p;
    p.temperature = 1.3f;
    p.top_k = 6;
    p.top_p = 0.9f;
    p.min_p = 0.25f;  // cuts the fifth token (0.215 of the top), which top-p alone keeps
    p.seed = 2024;
    check_fit(p);
}

TEST_CASE("sampler distribution: the test has power against a wrong distribution") {
    // Draws with top-k 4 compared against the untruncated distribution, and
    // draws at T=0.7 compared against T=1: both must be rejected clearly.
    SamplingParams truncated;
    truncated.top_k = 4;
    truncated.seed = 99;
    SamplingParams untruncated;
    const ChiSquare wrong_support = chi_square(draw_counts(truncated), expected_distribution(untruncated));
    CHECK(wrong_support.statistic > 10 * critical_value(7));

    SamplingParams cold;
    cold.temperature = 0.7f;
    cold.seed = 1234;
    const ChiSquare wrong_temperature = chi_square(draw_counts(cold), expected_distribution(untruncated));
    CHECK(wrong_temperature.statistic > 10 * critical_value(7));
}
