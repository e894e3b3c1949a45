// Matrix multiply and matrix-vector kernels vs a float64 CPU reference.
// Tolerance: relative error <= 2e-6 * sqrt(K) + 1e-6. The GPU accumulates K
// float32 products; rounding grows like sqrt(K) * 2^-24 for random signs, and
// the factor ~30 covers a different summation order. f16 weights are compared
// with a reference on the same f16-rounded values, so the bound is the same.
#include <doctest/doctest.h>

#include <cmath>

#include "common/half.h"
#include "kernels/gpu_test_context.h"
#include "ops/linear.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Shape {
    uint32_t m, n, k;
};

std::vector<double> reference_linear(const std::vector<float>& x, const std::vector<float>& w, uint32_t m, uint32_t n,
                                     uint32_t k) {
    std::vector<double> out(size_t(m) * n);
    for (uint32_t r = 0; r < m; ++r)
        for (uint32_t c = 0; c < n; ++c) {
            double s = 0;
            for (uint32_t i = 0; i < k; ++i) s += double(x[size_t(r) * k + i]) * w[size_t(c) * k + i];
            out[size_t(r) * n + c] = s;
        }
    return out;
}

struct Weights {
    std::unique_ptr<vk::Buffer> buffer;
    std::vector<float> values;  // what the GPU sees, as float
};

Weights make_weights(DType type, uint32_t n, uint32_t k, uint32_t seed) {
    Weights w;
    w.values = random_floats(size_t(n) * k, seed, -1.f, 1.f);
    if (type == DType::F32) {
        w.buffer = make_buffer(w.values, "weights");
        return w;
    }
    std::vector<uint16_t> halves(w.values.size());
    for (size_t i = 0; i < halves.size(); ++i) {
        halves[i] = float_to_half(w.values[i]);
        w.values[i] = half_to_float(halves[i]);
    }
    w.buffer = make_buffer_bytes(halves.data(), halves.size() * 2, "weights f16");
    return w;
}

double tolerance(uint32_t k) { return 2e-6 * std::sqrt(double(k)) + 1e-6; }

void check_linear(bool matmul, DType type, Shape s, uint32_t seed) {
    ValidationGuard guard;
    auto x = random_floats(size_t(s.m) * s.k, seed);
    Weights w = make_weights(type, s.n, s.k, seed + 1);
    auto in = make_buffer(x, "x");
    auto out = make_output(size_t(s.m) * s.n, "y");
    ops::WeightMatrix matrix{w.buffer.get(), 0, type, s.n, s.k};
    run_once([&](vk::CommandBuffer& c) {
        if (matmul) ops::record_matmul(gpu(), c, *in, matrix, *out, s.m);
        else ops::record_matvec(gpu(), c, *in, matrix, *out, s.m);
    });
    double err = relative_error(read_buffer(*out, size_t(s.m) * s.n), reference_linear(x, w.values, s.m, s.n, s.k));
    INFO("M=" << s.m << " N=" << s.n << " K=" << s.k << " f16=" << (type == DType::F16));
    CHECK(err <= tolerance(s.k));
}

const Shape kMatmulShapes[] = {{1, 1, 1}, {7, 33, 5}, {64, 64, 64}, {65, 130, 17}, {130, 67, 300}, {3, 517, 129}};
const Shape kMatvecShapes[] = {{1, 1, 1}, {1, 33, 5}, {1, 256, 1000}, {1, 517, 129}, {4, 300, 257}, {2, 1, 2049},
                                 {11, 70, 130}, {16, 33, 64}};  // more vectors than one workgroup's 8

}  // namespace

TEST_CASE("matmul f32 weights matches the CPU") {
    uint32_t seed = 10;
    for (Shape s : kMatmulShapes) check_linear(true, DType::F32, s, seed += 2);
}

TEST_CASE("matmul f16 weights matches the CPU") {
    uint32_t seed = 100;
    for (Shape s : kMatmulShapes) check_linear(true, DType::F16, s, seed += 2);
}

TEST_CASE("matvec f32 weights matches the CPU") {
    uint32_t seed = 200;
    for (Shape s : kMatvecShapes) check_linear(false, DType::F32, s, seed += 2);
}

TEST_CASE("matvec f16 weights matches the CPU") {
    uint32_t seed = 300;
    for (Shape s : kMatvecShapes) check_linear(false, DType::F16, s, seed += 2);
}

TEST_CASE("a weight larger than maxStorageBufferRange is split into row chunks") {
    // Sized from the device: 2.5x the limit where that stays small (the
    // weaker-device run sets max-buffer-range=1M), else one ordinary shape.
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t k = 96;
    uint32_t n = range <= (8u << 20) ? uint32_t(range * 5 / 2 / (k * 4)) : 700;
    MESSAGE("split test: " << n << " rows of " << k << " f32, limit " << range << " bytes");
    check_linear(false, DType::F32, {2, n, k}, 400);
    check_linear(true, DType::F32, {5, n, k}, 401);
    check_linear(true, DType::F16, {3, n, k}, 402);
}

TEST_CASE("matmul rejects a weight buffer smaller than its shape") {
    ValidationGuard guard;
    auto w = make_buffer(random_floats(10, 1), "short weight");
    auto x = make_buffer(random_floats(4, 2), "x");
    auto y = make_output(4, "y");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_matmul(gpu(), c, *x, {w.get(), 0, DType::F32, 4, 4}, *y, 1),
                      doctest::Contains("short weight"));
    c.end();
}

TEST_CASE("cooperative-matrix matmul (f16 activations) matches the CPU where the device has it") {
    if (!ops::cooperative_matmul_available(gpu().caps())) {
        MESSAGE("skipped: no cooperative-matrix variant for " << gpu().caps().name
                                                              << " (or the build lacks the newer shader compiler)");
        return;
    }
    // Activations are rounded to f16 (relative 2^-11 each); over K random-sign
    // products the output's relative error stays near 2^-11 ~ 5e-4: bound 2e-3.
    uint32_t seed = 500;
    for (Shape s : kMatmulShapes) {
        ValidationGuard guard;
        auto x = random_floats(size_t(s.m) * s.k, ++seed);
        Weights w = make_weights(DType::F16, s.n, s.k, ++seed);
        auto in = make_buffer(x, "x");
        auto out = make_output(size_t(s.m) * s.n, "y");
        ops::WeightMatrix matrix{w.buffer.get(), 0, DType::F16, s.n, s.k};
        run_once([&](vk::CommandBuffer& c) {
            ops::record_matmul(gpu(), c, *in, matrix, *out, s.m, ops::MatmulPrecision::F16Activations);
        });
        double err = relative_error(read_buffer(*out, size_t(s.m) * s.n), reference_linear(x, w.values, s.m, s.n, s.k));
        INFO("M=" << s.m << " N=" << s.n << " K=" << s.k);
        CHECK(err <= 2e-3);
    }
}
