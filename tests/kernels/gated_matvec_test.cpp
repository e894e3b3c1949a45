// The gated matrix-vector product (a gated FFN's gate and up in one pass,
// ops::record_gated_matvec) against a float64 reference for every weight type
// the kernels read, on the random blocks of weight_blocks.h.
//
// Tolerance. Each dot product obeys the per-output bound of
// block_formats_test.cpp: |g - g_ref| <= e * G and |u - u_ref| <= e * U with
// e = 2e-6 sqrt(K) + 1e-6 and G, U the sums of |x_k w_k| of the gate and up
// rows. The activations here have |act'| <= 1.13 (GELU-tanh's largest slope;
// SiLU's is 1.1), so |act(g) u - act(g_ref) u_ref| <= e * (1.13 G |u| +
// |act(g)| U) to first order; twice that bound covers the second-order term
// and the epilogue's few float32 roundings.
#include <doctest/doctest.h>

#include <cmath>

#include "kernels/gpu_test_context.h"
#include "kernels/weight_blocks.h"
#include "ops/linear.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

double activate(ops::Eltwise act, double v) {
    if (act == ops::Eltwise::SiLU) return v / (1.0 + std::exp(-v));
    const double inner = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (1.0 + std::tanh(inner));  // GELU-tanh
}

struct Case {
    uint32_t vectors, width, blocks;  // K = blocks * the type's block values
};

void check_gated(DType type, Case s, ops::Eltwise act, bool normed, uint32_t seed) {
    ValidationGuard guard;
    const uint32_t k = s.blocks * dtype_traits(type).block_values, w2 = 2 * s.width;
    INFO(dtype_traits(type).name << " vectors=" << s.vectors << " width=" << s.width << " K=" << k
                                 << " act=" << uint32_t(act) << " normed=" << normed);
    std::vector<float> x = random_floats(size_t(s.vectors) * k, seed, -1.5f, 1.5f);
    const std::vector<float> gain = random_floats(k, seed + 2, 0.5f, 1.5f);
    const WeightData w = random_weights(type, w2, k, seed + 1);
    auto weights = make_buffer_bytes(w.bytes.data(), w.bytes.size(), "gate_up");
    auto in = make_buffer(x, "x");
    auto g = make_buffer(gain, "gain");
    auto out = make_output(size_t(s.vectors) * s.width, "ffn hidden");
    const ops::WeightMatrix matrix{weights.get(), 0, type, w2, k};
    const ops::InputNorm norm{g.get(), 1e-5f, false};
    run_once([&](vk::CommandBuffer& c) {
        ops::record_gated_matvec(gpu(), c, *in, matrix, act, *out, s.vectors, normed ? &norm : nullptr);
    });
    const std::vector<float> y = read_buffer(*out, size_t(s.vectors) * s.width);
    // The reference sees the normalised input the kernel computes with.
    if (normed)
        for (uint32_t v = 0; v < s.vectors; ++v) {
            double sq = 0;
            for (uint32_t i = 0; i < k; ++i) sq += double(x[size_t(v) * k + i]) * x[size_t(v) * k + i];
            const double inv = 1.0 / std::sqrt(sq / k + 1e-5);
            for (uint32_t i = 0; i < k; ++i) x[size_t(v) * k + i] = float(x[size_t(v) * k + i] * inv * gain[i]);
        }
    const double e = 2e-6 * std::sqrt(double(k)) + 1e-6 + (normed ? 1e-6 : 0.0);
    size_t bad = 0;
    for (uint32_t v = 0; v < s.vectors; ++v)
        for (uint32_t n = 0; n < s.width; ++n) {
            double dot[2] = {0, 0}, magnitude[2] = {0, 0};
            for (uint32_t half = 0; half < 2; ++half)
                for (uint32_t i = 0; i < k; ++i) {
                    const double term = double(x[size_t(v) * k + i]) * w.values[(size_t(half) * s.width + n) * k + i];
                    dot[half] += term;
                    magnitude[half] += std::fabs(term);
                }
            const double ref = activate(act, dot[0]) * dot[1];
            const double bound =
                2 * e * (1.13 * magnitude[0] * std::fabs(dot[1]) + std::fabs(activate(act, dot[0])) * magnitude[1]);
            const double got = y[size_t(v) * s.width + n];
            if (!(std::fabs(got - ref) <= bound)) {
                if (bad < 4) MESSAGE("vector " << v << " row " << n << ": " << got << " vs " << ref << " (bound " << bound << ")");
                ++bad;
            }
        }
    CHECK(bad == 0);
}

}  // namespace

TEST_CASE("gated matrix-vector product (act(gate) * up in one pass) matches the CPU for every weight type") {
    uint32_t seed = 9100;
    for (DType type : kernel_weight_types())
        // Widths not a multiple of a workgroup's rows; 9 vectors are more than one workgroup's 8.
        for (Case s : {Case{1, 33, 3}, Case{3, 70, 9}, Case{9, 5, 2}})
            check_gated(type, s, ops::Eltwise::SiLU, false, seed += 3);
}

TEST_CASE("gated matrix-vector product with GELU-tanh and an RMS-normalised input matches the CPU") {
    uint32_t seed = 9200;
    for (DType type : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_K})
        for (bool normed : {false, true}) check_gated(type, Case{2, 40, 4}, ops::Eltwise::GELUTanh, normed, seed += 3);
}

TEST_CASE("gated matrix-vector product rejects an odd stacked matrix and a non-gating activation") {
    auto weights = make_buffer(random_floats(6 * 8, 1), "gate_up");
    auto x = make_buffer(random_floats(8, 2), "x");
    auto y = make_output(3, "y");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_gated_matvec(gpu(), c, *x, {weights.get(), 0, DType::F32, 5, 8}, ops::Eltwise::SiLU, *y, 1),
                      doctest::Contains("even number of rows"));
    CHECK_THROWS_WITH(ops::record_gated_matvec(gpu(), c, *x, {weights.get(), 0, DType::F32, 6, 8}, ops::Eltwise::Add, *y, 1),
                      doctest::Contains("activation"));
    c.end();
}
