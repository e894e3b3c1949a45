// Softmax, RMSNorm and LayerNorm vs float64 CPU references.
// Tolerance: relative error <= 1e-5. Each output is a few float32 operations
// on a float32 reduction over <= 5000 values (rounding ~ sqrt(n) * 2^-24 ~ 4e-6 worst here).
#include <doctest/doctest.h>

#include <cmath>

#include "kernels/gpu_test_context.h"
#include "ops/rows.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

std::vector<double> reference_softmax(const std::vector<float>& x, uint32_t rows, uint32_t cols, double scale) {
    std::vector<double> out(x.size());
    for (uint32_t r = 0; r < rows; ++r) {
        double m = -INFINITY, s = 0;
        for (uint32_t i = 0; i < cols; ++i) m = std::max(m, scale * x[r * cols + i]);
        for (uint32_t i = 0; i < cols; ++i) s += std::exp(scale * x[r * cols + i] - m);
        for (uint32_t i = 0; i < cols; ++i) out[r * cols + i] = std::exp(scale * x[r * cols + i] - m) / s;
    }
    return out;
}

std::vector<double> reference_norm(const std::vector<float>& x, const std::vector<float>& w,
                                   const std::vector<float>* bias, const ops::NormSpec& spec, uint32_t rows,
                                   uint32_t cols) {
    std::vector<double> out(x.size());
    for (uint32_t r = 0; r < rows; ++r) {
        const float* row = &x[size_t(r) * cols];
        double mean = 0;
        if (spec.layer_norm) {
            for (uint32_t i = 0; i < cols; ++i) mean += row[i];
            mean /= cols;
        }
        double sq = 0;
        for (uint32_t i = 0; i < cols; ++i) sq += (row[i] - mean) * (row[i] - mean);
        double inv = 1.0 / std::sqrt(sq / cols + spec.eps);
        for (uint32_t i = 0; i < cols; ++i) {
            double scale = spec.unit_offset ? 1.0 + w[i] : w[i];
            out[size_t(r) * cols + i] = (row[i] - mean) * inv * scale + (bias ? (*bias)[i] : 0.0);
        }
    }
    return out;
}

void check_softmax(uint32_t rows, uint32_t cols, float magnitude, float scale, uint32_t seed) {
    ValidationGuard guard;
    auto x = random_floats(size_t(rows) * cols, seed, -magnitude, magnitude);
    auto in = make_buffer(x, "logits");
    auto out = make_output(x.size(), "probs");
    run_once([&](vk::CommandBuffer& c) { ops::record_softmax(gpu(), c, *in, *out, rows, cols, scale); });
    INFO("rows=" << rows << " cols=" << cols << " magnitude=" << magnitude);
    CHECK(relative_error(read_buffer(*out, x.size()), reference_softmax(x, rows, cols, scale)) <= 1e-5);
}

void check_norm(const ops::NormSpec& spec, bool with_bias, uint32_t rows, uint32_t cols, float offset, uint32_t seed,
                double tol = 1e-5) {
    ValidationGuard guard;
    auto x = random_floats(size_t(rows) * cols, seed, offset - 2.f, offset + 2.f);
    auto w = random_floats(cols, seed + 1, 0.5f, 1.5f);
    auto b = random_floats(cols, seed + 2, -0.5f, 0.5f);
    auto xb = make_buffer(x, "x");
    auto wb = make_buffer(w, "norm weight");
    auto bb = make_buffer(b, "norm bias");
    auto out = make_output(x.size(), "y");
    run_once([&](vk::CommandBuffer& c) {
        ops::record_norm(gpu(), c, spec, *xb, *wb, with_bias ? bb.get() : nullptr, *out, rows, cols);
    });
    INFO("rows=" << rows << " cols=" << cols << " layer_norm=" << spec.layer_norm << " offset=" << offset);
    CHECK(relative_error(read_buffer(*out, x.size()), reference_norm(x, w, with_bias ? &b : nullptr, spec, rows, cols)) <=
          tol);
}

}  // namespace

TEST_CASE("softmax matches the CPU on ordinary and huge logits") {
    check_softmax(1, 1, 1.f, 1.f, 1);
    check_softmax(3, 7, 3.f, 1.f, 2);
    check_softmax(5, 1000, 10.f, 0.125f, 3);
    check_softmax(2, 4099, 5.f, 1.f, 4);
    // exp(1e4) overflows float32; a stable softmax subtracts the maximum first.
    check_softmax(4, 300, 1e4f, 1.f, 5);
}

TEST_CASE("RMSNorm matches the CPU") {
    ops::NormSpec spec{false, false, 1e-6f};
    check_norm(spec, false, 1, 1, 0.f, 10);
    check_norm(spec, false, 3, 64, 0.f, 11);
    check_norm(spec, false, 7, 1000, 0.5f, 12);
    check_norm(spec, false, 2, 4099, 0.f, 13);
}

TEST_CASE("RMSNorm with Gemma's (1 + w) scale matches the CPU") {
    check_norm({false, true, 1e-6f}, false, 5, 130, 0.f, 20);
}

TEST_CASE("LayerNorm with and without bias matches the CPU, also far from zero mean") {
    ops::NormSpec spec{true, false, 1e-5f};
    check_norm(spec, true, 4, 96, 0.f, 30);
    check_norm(spec, false, 3, 777, 0.f, 31);
    // mean 1000, std ~1.15: E[x^2] - mean^2 would lose every digit in float32. The
    // float32 mean itself is off by up to |mean| * 2^-24 * log2(n) ~ 5e-4 of a std.
    check_norm(spec, true, 2, 512, 1000.f, 32, 5e-4);
}
