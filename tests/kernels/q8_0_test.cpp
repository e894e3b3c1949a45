// Q8_0 weights in the matrix-vector and matrix-multiply kernels vs a float64
// CPU product over the dequantized values. Tolerance as for f32 weights
// (linear_test.cpp): relative error <= 2e-6 * sqrt(K) + 1e-6, since
// scale * q (f16 times int8, at most 19 significant bits) is exact in float32
// and only the K-term float32 accumulation rounds.
#include <doctest/doctest.h>

#include <cmath>

#include "kernels/gpu_test_context.h"
#include "kernels/q8_0_blocks.h"
#include "ops/linear.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Shape {
    uint32_t m, n, k;
};

std::vector<double> reference_linear(const std::vector<float>& x, const std::vector<float>& w, Shape s) {
    std::vector<double> out(size_t(s.m) * s.n);
    for (uint32_t r = 0; r < s.m; ++r)
        for (uint32_t c = 0; c < s.n; ++c) {
            double sum = 0;
            for (uint32_t i = 0; i < s.k; ++i) sum += double(x[size_t(r) * s.k + i]) * w[size_t(c) * s.k + i];
            out[size_t(r) * s.n + c] = sum;
        }
    return out;
}

// `offset`: bytes of other data in front of the matrix in its buffer.
void check_q8_0(bool matmul, Shape s, uint32_t seed, uint64_t offset = 0) {
    ValidationGuard guard;
    auto x = random_floats(size_t(s.m) * s.k, seed);
    Q8_0Data w = quantize_q8_0(random_floats(size_t(s.n) * s.k, seed + 1, -2.f, 2.f));
    std::vector<uint8_t> bytes(offset, 0xAB);
    bytes.insert(bytes.end(), w.bytes.begin(), w.bytes.end());
    auto weights = make_buffer_bytes(bytes.data(), bytes.size(), "q8_0 weights");
    auto in = make_buffer(x, "x");
    auto out = make_output(size_t(s.m) * s.n, "y");
    ops::WeightMatrix matrix{weights.get(), offset, ops::StorageType::Q8_0, s.n, s.k};
    run_once([&](vk::CommandBuffer& c) {
        if (matmul) ops::record_matmul(gpu(), c, *in, matrix, *out, s.m);
        else ops::record_matvec(gpu(), c, *in, matrix, *out, s.m);
    });
    double err = relative_error(read_buffer(*out, size_t(s.m) * s.n), reference_linear(x, w.values, s));
    INFO((matmul ? "matmul" : "matvec") << " M=" << s.m << " N=" << s.n << " K=" << s.k << " offset=" << offset);
    CHECK(err <= 2e-6 * std::sqrt(double(s.k)) + 1e-6);
}

}  // namespace

TEST_CASE("Q8_0 blocks decode to scale times int8") {
    std::vector<float> x(64);
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i) - 40) * 0.25f;
    Q8_0Data q = quantize_q8_0(x);
    CHECK(q.bytes.size() == 68);
    // Rounding to the nearest step of max|x| / 127 per block.
    for (size_t i = 0; i < 32; ++i) CHECK(std::fabs(q.values[i] - x[i]) <= 10.f / 127 * 0.51f);
    for (size_t i = 32; i < 64; ++i) CHECK(std::fabs(q.values[i] - x[i]) <= 5.75f / 127 * 0.51f);
}

TEST_CASE("matvec with Q8_0 weights matches the CPU") {
    uint32_t seed = 600;
    // Odd block counts per row (K = 32, 96, 288) put rows at byte offsets that are not word aligned.
    for (Shape s : {Shape{1, 1, 32}, Shape{1, 33, 64}, Shape{1, 256, 1024}, Shape{4, 300, 288}, Shape{2, 1, 2048},
                    Shape{3, 129, 96}})
        check_q8_0(false, s, seed += 2);
}

TEST_CASE("matmul with Q8_0 weights matches the CPU") {
    uint32_t seed = 700;
    for (Shape s : {Shape{1, 1, 32}, Shape{7, 33, 64}, Shape{65, 130, 96}, Shape{130, 67, 320}, Shape{3, 517, 128}})
        check_q8_0(true, s, seed += 2);
}

TEST_CASE("a Q8_0 matrix at an aligned offset inside a larger buffer") {
    const uint64_t align = std::max<uint64_t>(gpu().caps().min_storage_buffer_alignment, 4);
    check_q8_0(false, {2, 45, 96}, 800, align);
    check_q8_0(true, {9, 45, 96}, 802, align * 3);
}

TEST_CASE("a Q8_0 weight larger than maxStorageBufferRange is split on block and alignment boundaries") {
    // 3 blocks a row (102 bytes): chunk starts must be rows whose byte offset is aligned.
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t k = 96;
    uint32_t n = range <= (8u << 20) ? uint32_t(range * 5 / 2 / (k / 32 * 34)) : 700;
    MESSAGE("Q8_0 split test: " << n << " rows of " << k << ", limit " << range << " bytes");
    check_q8_0(false, {2, n, k}, 810);
    check_q8_0(true, {5, n, k}, 812);
}

TEST_CASE("Q8_0 shapes and buffers that cannot hold whole blocks are rejected") {
    ValidationGuard guard;
    auto x = make_buffer(random_floats(64, 1), "x");
    auto y = make_output(4, "y");
    Q8_0Data w = quantize_q8_0(random_floats(64, 2));
    auto exact = make_buffer_bytes(w.bytes.data(), 68, "q8 weight");
    auto one_block = make_buffer_bytes(w.bytes.data(), 34, "one-block q8 weight");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_matvec(gpu(), c, *x, {exact.get(), 0, ops::StorageType::Q8_0, 1, 48}, *y, 1),
                      doctest::Contains("blocks"));
    CHECK_THROWS_WITH(ops::record_matvec(gpu(), c, *x, {one_block.get(), 0, ops::StorageType::Q8_0, 1, 64}, *y, 1),
                      doctest::Contains("one-block q8 weight"));
    CHECK_THROWS_WITH(ops::record_matmul(gpu(), c, *x, {exact.get(), 0, ops::StorageType::Q8_0, 3, 32}, *y, 1),
                      doctest::Contains("q8 weight"));
    c.end();
}
