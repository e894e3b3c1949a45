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

// K a multiple of 8 (the cooperative-matrix kernel's vector loads) over one, several and a partial stage of 64, too.
const Shape kMatmulShapes[] = {{1, 1, 1},     {7, 33, 5},     {64, 64, 64},  {65, 130, 17},
                               {130, 67, 300}, {3, 517, 129}, {100, 80, 200}, {129, 200, 520}};
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

TEST_CASE("matvec adding its result to the output (a residual) matches the CPU") {
    // y starts as a random residual r; the kernel leaves r + x W^T. Same bound
    // as above: the one extra addition rounds once.
    uint32_t seed = 350;
    for (auto type : {DType::F32, DType::F16})
        for (Shape s : kMatvecShapes) {
            ValidationGuard guard;
            auto x = random_floats(size_t(s.m) * s.k, ++seed);
            Weights w = make_weights(type, s.n, s.k, ++seed);
            auto residual = random_floats(size_t(s.m) * s.n, ++seed);
            auto in = make_buffer(x, "x");
            auto out = make_buffer(residual, "y");
            ops::WeightMatrix matrix{w.buffer.get(), 0, type, s.n, s.k};
            run_once([&](vk::CommandBuffer& c) { ops::record_matvec(gpu(), c, *in, matrix, *out, s.m, true); });
            std::vector<double> ref = reference_linear(x, w.values, s.m, s.n, s.k);
            for (size_t i = 0; i < ref.size(); ++i) ref[i] += residual[i];
            INFO("M=" << s.m << " N=" << s.n << " K=" << s.k << " f16=" << (type == DType::F16));
            CHECK(relative_error(read_buffer(*out, ref.size()), ref) <= tolerance(s.k));
        }
    vk::CommandBuffer c(gpu());
    c.begin();
    auto x = make_buffer(random_floats(64, 1), "x");
    Weights w = make_weights(DType::F32, 8, 8, 2);
    CHECK_THROWS_WITH(ops::record_matvec(gpu(), c, *x, {w.buffer.get(), 0, DType::F32, 8, 8}, *x, 1, true),
                      doctest::Contains("in place"));
    c.end();
}

TEST_CASE("matvec normalising its input (RMSNorm, plain and 1 + g) matches the CPU") {
    // Reference: the float64 RMSNorm of each row, then the product. The
    // kernel sums squares and products in float32 over K and scales once:
    // the same bound as an ordinary product (the norm adds a few roundings).
    uint32_t seed = 380;
    for (bool unit_offset : {false, true})
        for (Shape s : kMatvecShapes) {
            ValidationGuard guard;
            auto x = random_floats(size_t(s.m) * s.k, ++seed, -2.f, 3.f);
            auto gain = random_floats(s.k, ++seed, -1.5f, 1.5f);
            Weights w = make_weights(DType::F16, s.n, s.k, ++seed);
            auto in = make_buffer(x, "x");
            auto g = make_buffer(gain, "gain");
            auto out = make_output(size_t(s.m) * s.n, "y");
            ops::WeightMatrix matrix{w.buffer.get(), 0, DType::F16, s.n, s.k};
            const ops::InputNorm norm{g.get(), 1e-5f, unit_offset};
            run_once([&](vk::CommandBuffer& c) { ops::record_matvec(gpu(), c, *in, matrix, *out, s.m, false, &norm); });
            std::vector<double> ref(size_t(s.m) * s.n);
            for (uint32_t r = 0; r < s.m; ++r) {
                double sq = 0;
                for (uint32_t i = 0; i < s.k; ++i) sq += double(x[size_t(r) * s.k + i]) * x[size_t(r) * s.k + i];
                const double inv = 1.0 / std::sqrt(sq / s.k + 1e-5);
                for (uint32_t c = 0; c < s.n; ++c) {
                    double dot = 0;
                    for (uint32_t i = 0; i < s.k; ++i)
                        dot += double(x[size_t(r) * s.k + i]) * inv * (gain[i] + (unit_offset ? 1.0 : 0.0)) *
                               w.values[size_t(c) * s.k + i];
                    ref[size_t(r) * s.n + c] = dot;
                }
            }
            INFO("M=" << s.m << " N=" << s.n << " K=" << s.k << " unit offset=" << unit_offset);
            CHECK(relative_error(read_buffer(*out, ref.size()), ref) <= tolerance(s.k));
        }
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
        // Every cooperative-matrix tile, and the choice by shape (all zero);
        // where the plain matmul runs, the tile does not matter.
        std::vector<ops::MatmulTile> tiles{ops::MatmulTile{}};
        if (ops::cooperative_matmul_available(gpu().caps()))
            for (const ops::MatmulTile& t : ops::coopmat_tiles())
                if (ops::coopmat_tile_fits(gpu().caps(), t)) tiles.push_back(t);
        for (const ops::MatmulTile& tile : tiles) {
            run_once([&](vk::CommandBuffer& c) {
                ops::record_matmul(gpu(), c, *in, matrix, *out, s.m, ops::MatmulPrecision::F16Activations, tile);
            });
            double err = relative_error(read_buffer(*out, size_t(s.m) * s.n), reference_linear(x, w.values, s.m, s.n, s.k));
            INFO("M=" << s.m << " N=" << s.n << " K=" << s.k << " tile " << ops::describe(tile));
            CHECK(err <= 2e-3);
        }
    }
}

TEST_CASE("split-K matmul (partial sums added by a closing pass, or onto the output) matches the CPU") {
    // Every split sums a whole number of 64-value stages of K; the closing
    // pass adds the splits in order. f32 activations: the f32 bound; f16
    // activations on cooperative-matrix units (where the device has them): 2e-3.
    const bool coopmat = ops::cooperative_matmul_available(gpu().caps());
    const Shape shapes[] = {{17, 33, 520}, {64, 130, 1000}, {3, 70, 129}, {70, 20, 64}};
    auto partials = make_output(4 * 70 * 130 * 8, "split partials");
    uint32_t seed = 700;
    for (Shape s : shapes)
        for (uint32_t splits : {1u, 3u, 8u})
            for (bool accumulate : {false, true})
                for (int variant = 0; variant < 4; ++variant) {
                    // The plain matmul, then f16 activations on the small and the large
                    // cooperative-matrix tile and on a workgroup-scope one.
                    const bool f16 = variant > 0;
                    const ops::MatmulTile tiles[] = {{64, 64, 2, 2}, {64, 64, 2, 2}, {128, 128, 2, 4}, {128, 128, 0, 0, 32}};
                    const ops::MatmulTile tile = tiles[variant];
                    if (f16 && (!coopmat || !ops::coopmat_tile_fits(gpu().caps(), tile))) continue;
                    ValidationGuard guard;
                    auto x = random_floats(size_t(s.m) * s.k, ++seed);
                    Weights w = make_weights(DType::F16, s.n, s.k, ++seed);
                    const std::vector<float> start = random_floats(size_t(s.m) * s.n, ++seed);
                    auto in = make_buffer(x, "x");
                    auto out = make_buffer(start, "y");
                    ops::WeightMatrix matrix{w.buffer.get(), 0, DType::F16, s.n, s.k};
                    ops::MatmulSplit split;
                    split.partials = partials.get();
                    split.bytes = partials->size();
                    split.accumulate = accumulate;
                    split.splits = splits;
                    run_once([&](vk::CommandBuffer& c) {
                        ops::record_matmul(gpu(), c, *in, matrix, *out, s.m,
                                           f16 ? ops::MatmulPrecision::F16Activations
                                               : ops::MatmulPrecision::F32Activations,
                                           tile, &split);
                    });
                    std::vector<double> expected = reference_linear(x, w.values, s.m, s.n, s.k);
                    if (accumulate)
                        for (size_t i = 0; i < expected.size(); ++i) expected[i] += start[i];
                    double err = relative_error(read_buffer(*out, size_t(s.m) * s.n), expected);
                    INFO("M=" << s.m << " N=" << s.n << " K=" << s.k << " splits " << splits << " accumulate "
                              << accumulate << " f16 activations " << f16 << " tile " << ops::describe(tile));
                    CHECK(err <= (f16 ? 2e-3 : tolerance(s.k)));
                }
}
