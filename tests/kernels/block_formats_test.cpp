// Every weight type the kernels read (f32, f16 and each GGUF block format of
// the weight table) in the matrix-vector, matrix-multiply and embedding
// kernels, against the table's CPU decoder and a float64 product, on random
// blocks (weight_blocks.h: extreme, zero and negative-zero scales in every
// fourth row).
//
// Tolerances. The GPU decodes each value with the same float32 operations as
// the CPU decoder, and every product in them is exact (an f16 scale has 11
// significant bits, the 6- or 8-bit sub-scales and codes at most 13 more), so
// decoded values are bit-identical: the embedding output (one multiplication
// by `scale`) must be within one float32 rounding, 2^-24 relative. The linear
// kernels then round each x * w and accumulate in float32, so output i may be
// off by about sqrt(K) roundings of the terms' magnitude:
// |y_i - ref_i| <= (2e-6 sqrt(K) + 1e-6) * sum_k |x_k w_ik| (the f32 bound of
// linear_test.cpp, taken per output so that the rows of huge scales do not
// hide the others; a row of zero scales must give exactly zero). One wrongly
// decoded sub-block moves an output by ~1/(K/32) of that sum, far above it.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "kernels/gpu_test_context.h"
#include "kernels/weight_blocks.h"
#include "ops/embedding.h"
#include "ops/linear.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Shape {
    uint32_t m, n, blocks;  // K = blocks * the type's block values
};

// How a case runs: the kernel, and for the cooperative-matrix matmul its tile width.
struct Kernel {
    bool matmul = false;
    ops::MatmulPrecision precision = ops::MatmulPrecision::F32Activations;
    ops::MatmulTile tile{};
};
const Kernel kMatvec{}, kMatmul{true};

// `offset`: bytes of other data in front of the matrix in its buffer.
void check_linear(Kernel kernel, DType type, Shape s, uint32_t seed, uint64_t offset = 0) {
    ValidationGuard guard;
    const bool matmul = kernel.matmul, f16 = kernel.precision == ops::MatmulPrecision::F16Activations;
    const uint32_t k = s.blocks * dtype_traits(type).block_values;
    INFO((matmul ? "matmul " : "matvec ") << dtype_traits(type).name << " M=" << s.m << " N=" << s.n << " K=" << k
                                          << " offset=" << offset << (f16 ? " f16 tiles " + ops::describe(kernel.tile) : ""));
    const std::vector<float> x = random_floats(size_t(s.m) * k, seed);
    const WeightData w = random_weights(type, s.n, k, seed + 1);
    std::vector<uint8_t> bytes(offset, 0xAB);
    bytes.insert(bytes.end(), w.bytes.begin(), w.bytes.end());
    auto weights = make_buffer_bytes(bytes.data(), bytes.size(), "weights");
    auto in = make_buffer(x, "x");
    auto out = make_output(size_t(s.m) * s.n, "y");
    const ops::WeightMatrix matrix{weights.get(), offset, type, s.n, k};
    run_once([&](vk::CommandBuffer& c) {
        if (matmul) ops::record_matmul(gpu(), c, *in, matrix, *out, s.m, kernel.precision, kernel.tile);
        else ops::record_matvec(gpu(), c, *in, matrix, *out, s.m);
    });
    const std::vector<float> y = read_buffer(*out, size_t(s.m) * s.n);
    // Through f16 tiles both x and the decoded w are rounded to f16 (2^-11
    // relative each), so every term is off by at most ~2^-10 of itself: 1e-3
    // of sum|x w| bounds the output. The extreme-scale rows decode to values
    // past f16's range, which that path cannot carry; they are not checked.
    const double tolerance = f16 ? 1e-3 + 2e-6 * std::sqrt(double(k)) : 2e-6 * std::sqrt(double(k)) + 1e-6;
    size_t bad = 0;
    double worst = 0;
    for (uint32_t r = 0; r < s.m; ++r)
        for (uint32_t c = 0; c < s.n; ++c) {
            if (f16 && c % 4 == 1) continue;  // weight_blocks.h's extreme rows
            double sum = 0, magnitude = 0;
            for (uint32_t i = 0; i < k; ++i) {
                const double term = double(x[size_t(r) * k + i]) * w.values[size_t(c) * k + i];
                sum += term;
                magnitude += std::fabs(term);
            }
            const double err = std::fabs(double(y[size_t(r) * s.n + c]) - sum);
            if (!(err <= tolerance * magnitude)) ++bad;
            if (magnitude > 0) worst = std::max(worst, err / magnitude);
        }
    INFO("worst error / sum|x w| = " << worst << ", bound " << tolerance);
    CHECK(bad == 0);
}

std::vector<int32_t> random_ids(uint32_t n, uint32_t vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> dist(0, int32_t(vocab) - 1);
    std::vector<int32_t> ids(n);
    for (auto& id : ids) id = dist(rng);
    ids.back() = int32_t(vocab) - 1;
    return ids;
}

void check_embedding(DType type, uint32_t vocab, uint32_t blocks, std::vector<int32_t> ids, float scale,
                     uint32_t seed) {
    ValidationGuard guard;
    const uint32_t hidden = blocks * dtype_traits(type).block_values;
    INFO("embedding " << dtype_traits(type).name << " vocab=" << vocab << " hidden=" << hidden);
    const WeightData w = random_weights(type, vocab, hidden, seed);
    auto table = make_buffer_bytes(w.bytes.data(), w.bytes.size(), "table");
    auto id_buffer = make_buffer_bytes(ids.data(), ids.size() * 4, "ids");
    const auto n = uint32_t(ids.size());
    auto out = make_output(size_t(n) * hidden, "embeddings");
    run_once([&](vk::CommandBuffer& c) {
        ops::record_embedding(gpu(), c, *id_buffer, {table.get(), 0, type, vocab, hidden}, *out, n, scale);
    });
    const std::vector<float> y = read_buffer(*out, size_t(n) * hidden);
    size_t bad = 0;
    for (uint32_t t = 0; t < n; ++t)
        for (uint32_t c = 0; c < hidden; ++c) {
            const bool in_vocab = ids[t] >= 0 && uint32_t(ids[t]) < vocab;
            const double ref = in_vocab ? double(scale) * w.values[size_t(ids[t]) * hidden + c] : 0.0;
            if (!(std::fabs(y[size_t(t) * hidden + c] - ref) <= std::ldexp(std::fabs(ref), -24))) ++bad;
        }
    CHECK(bad == 0);
}

}  // namespace

TEST_CASE("matvec decodes every weight type like the CPU decoder") {
    uint32_t seed = 5000;
    for (DType type : kernel_weight_types())
        // Rows not a multiple of a workgroup's; 9 vectors are more than one workgroup's 8.
        for (Shape s : {Shape{1, 1, 1}, Shape{1, 33, 3}, Shape{3, 130, 9}, Shape{9, 17, 2}, Shape{2, 5, 40}})
            check_linear(kMatvec, type, s, seed += 2);
}

TEST_CASE("matmul decodes every weight type like the CPU decoder") {
    uint32_t seed = 6000;
    for (DType type : kernel_weight_types())
        for (Shape s : {Shape{17, 33, 1}, Shape{70, 67, 3}, Shape{20, 5, 9}}) check_linear(kMatmul, type, s, seed += 2);
}

TEST_CASE("cooperative-matrix matmul decodes every block format like the CPU decoder where the device has it") {
    uint32_t seed = 6500;
    for (DType type : kernel_weight_types()) {
        if (!dtype_is_block(type)) continue;
        if (!ops::cooperative_matmul_available(gpu().caps(), type)) {
            MESSAGE("skipped " << std::string(dtype_traits(type).name) << ": no cooperative-matrix variant on " << gpu().caps().name);
            continue;
        }
        // Edges in every direction of every tile.
        for (const ops::MatmulTile& tile : ops::coopmat_tiles()) {
            // Workgroup-scope tiles take f16 weights only.
            if (tile.workgroup_scope() || !ops::coopmat_tile_fits(gpu().caps(), tile)) continue;
            for (Shape s : {Shape{17, 33, 1}, Shape{70, 130, 3}, Shape{129, 200, 2}})
                check_linear({true, ops::MatmulPrecision::F16Activations, tile}, type, s, seed += 2);
        }
    }
}

TEST_CASE("block weights at an aligned offset inside a larger buffer") {
    const uint64_t align = std::max<uint64_t>(gpu().caps().min_storage_buffer_alignment, 4);
    uint32_t seed = 6500;
    for (DType type : kernel_weight_types()) {
        check_linear(kMatvec, type, {2, 45, 3}, seed += 2, align);
        check_linear(kMatmul, type, {19, 45, 2}, seed += 2, align * 3);
    }
}

TEST_CASE("embedding lookup decodes every weight type like the CPU decoder") {
    uint32_t seed = 7000;
    for (DType type : kernel_weight_types()) {
        check_embedding(type, 50, 1, random_ids(9, 50, seed), 1.0f, seed + 1);
        auto ids = random_ids(37, 300, seed + 2);
        ids[3] = -1;  // outside the vocabulary: a row of zeros
        ids[4] = 300;
        check_embedding(type, 300, 3, ids, 0.5f, seed + 3);
        seed += 10;
    }
}

TEST_CASE("block weights larger than maxStorageBufferRange are split on row and alignment boundaries") {
    // Sized from the device: 2.5x the limit where that stays small (the
    // weaker-device run has a 1 MiB range), else an ordinary shape.
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    uint32_t seed = 7500;
    for (DType type : kernel_weight_types()) {
        if (!dtype_is_block(type)) continue;  // f32 / f16: linear_test.cpp and embedding_test.cpp
        const uint32_t blocks = dtype_traits(type).block_values == 32 ? 3 : 1;
        const uint64_t row_bytes = weight_bytes(type, 1, blocks * dtype_traits(type).block_values);
        const uint32_t n = range <= (8u << 20) ? uint32_t(range * 5 / 2 / row_bytes) : 700;
        MESSAGE(std::string(dtype_traits(type).name) << " split test: " << n << " rows of " << row_bytes << " bytes, limit "
                                        << range);
        check_linear(kMatvec, type, {2, n, blocks}, seed += 3);
        check_linear(kMatmul, type, {18, n, blocks}, seed += 3);
        auto ids = random_ids(200, n, seed);
        ids[0] = 0;
        check_embedding(type, n, blocks, ids, 1.0f, seed + 1);
    }
}

TEST_CASE("block-format shapes and buffers that cannot hold whole blocks are rejected") {
    ValidationGuard guard;
    auto x = make_buffer(random_floats(512, 1), "x");
    auto y = make_output(4, "y");
    const WeightData w = random_weights(DType::Q4_K, 1, 256, 2);
    auto one_block = make_buffer_bytes(w.bytes.data(), w.bytes.size(), "one-block q4_k weight");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_matvec(gpu(), c, *x, {one_block.get(), 0, DType::Q4_K, 1, 128}, *y, 1),
                      doctest::Contains("256-value blocks"));
    CHECK_THROWS_WITH(ops::record_matvec(gpu(), c, *x, {one_block.get(), 0, DType::Q4_K, 2, 256}, *y, 1),
                      doctest::Contains("one-block q4_k weight"));
    CHECK_THROWS_WITH(ops::record_matmul(gpu(), c, *x, {one_block.get(), 0, DType::Q4_K, 1, 512}, *y, 1),
                      doctest::Contains("one-block q4_k weight"));
    c.end();
}
