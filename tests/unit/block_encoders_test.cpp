// Every encoder of the type table against its own decoder: encode -> decode
// on random data, zeros, constant rows and extreme magnitudes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/weight_types.h"

using namespace vkllm;

namespace {

std::vector<float> round_trip(const DTypeTraits& t, const std::vector<float>& x) {
    const uint64_t blocks = x.size() / t.block_values;
    std::vector<uint8_t> bytes(blocks * t.block_bytes);
    t.encode(x.data(), blocks, bytes.data());
    std::vector<float> y(x.size());
    t.decode(bytes.data(), blocks, y.data());
    return y;
}

double relative_rms(const std::vector<float>& x, const std::vector<float>& y) {
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) num += double(x[i] - y[i]) * (x[i] - y[i]), den += double(x[i]) * x[i];
    return std::sqrt(num / den);
}

struct Bound {
    DType type;
    // Relative RMS error on Gaussian blocks (measured value in the comment).
    double rms;
    // Largest error of one value, as a share of its block's largest magnitude.
    double per_value;
};

// Measured relative RMS (mean over blocks) on Gaussian blocks of varying
// scale: Q8_0 0.0053, Q4_0 0.0855, Q4_K 0.0715, Q5_K 0.0359, Q6_K 0.0173;
// the bounds leave ~15% room.
// Per value: round to nearest gives half a step (Q8_0: max / 254, Q4_0:
// max / 16, except the far end of Q4_0 that cannot reach +8: max / 8); the
// K-quants' step is set by the sub-block, at most the block's range over the
// code range, plus the 6-bit rounding of the sub-block scales.
const Bound kBounds[] = {
    {DType::Q8_0, 0.0061, 1.0 / 254 * 1.01},
    {DType::Q4_0, 0.098, 1.0 / 8 * 1.01},
    {DType::Q4_K, 0.082, 2.0 / 15},
    {DType::Q5_K, 0.041, 2.0 / 31},
    {DType::Q6_K, 0.020, 1.0 / 32},
};

// Blocks of Gaussian values whose scale changes from block to block (1e-3 .. 1e2).
std::vector<float> gaussian_blocks(uint32_t block, int blocks, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    std::uniform_real_distribution<float> log_scale(-3, 2);
    std::vector<float> x(size_t(block) * blocks);
    for (int b = 0; b < blocks; ++b) {
        const float s = std::pow(10.0f, log_scale(rng));
        for (uint32_t i = 0; i < block; ++i) x[size_t(b) * block + i] = s * normal(rng);
    }
    return x;
}

void check_per_value(const DTypeTraits& t, const Bound& bound, const std::vector<float>& x,
                     const std::vector<float>& y) {
    for (size_t b = 0; b < x.size() / t.block_values; ++b) {
        float amax = 0;
        for (uint32_t i = 0; i < t.block_values; ++i) amax = std::max(amax, std::fabs(x[b * t.block_values + i]));
        for (uint32_t i = 0; i < t.block_values; ++i) {
            const size_t k = b * t.block_values + i;
            REQUIRE(std::isfinite(y[k]));
            // 1e-7 absolute: f16 scales of tiny blocks round in the subnormal range.
            CHECK_MESSAGE(std::fabs(x[k] - y[k]) <= bound.per_value * amax + 1e-7,
                          std::string(t.name) << " block " << b << " value " << i << ": " << x[k] << " -> " << y[k]);
        }
    }
}

}  // namespace

TEST_CASE("every encodable block type has a bound here") {
    for (const DTypeTraits& t : all_dtypes()) {
        if (!t.encode || t.block_values == 1) continue;
        bool found = false;
        for (const Bound& b : kBounds) found |= b.type == t.type;
        CHECK_MESSAGE(found, std::string(t.name));
    }
}

TEST_CASE("block encoders round trip Gaussian blocks within their error bounds") {
    for (const Bound& bound : kBounds) {
        const DTypeTraits& t = dtype_traits(bound.type);
        REQUIRE(static_cast<bool>(t.encode));
        const std::vector<float> x = gaussian_blocks(t.block_values, 4096 / t.block_values * 8, 11);
        const std::vector<float> y = round_trip(t, x);
        // Relative error per block, averaged, so that the large blocks do not hide the small ones.
        double sum = 0;
        const size_t blocks = x.size() / t.block_values;
        for (size_t b = 0; b < blocks; ++b) {
            std::vector<float> xb(x.begin() + b * t.block_values, x.begin() + (b + 1) * t.block_values);
            std::vector<float> yb(y.begin() + b * t.block_values, y.begin() + (b + 1) * t.block_values);
            sum += relative_rms(xb, yb);
        }
        const double rms = sum / double(blocks);
        MESSAGE(std::string(t.name) << " relative RMS error " << rms);
        CHECK(rms < bound.rms);
        check_per_value(t, bound, x, y);
    }
}

TEST_CASE("block encoders keep zero blocks exactly zero and constant blocks near their value") {
    for (const Bound& bound : kBounds) {
        const DTypeTraits& t = dtype_traits(bound.type);
        const uint32_t n = t.block_values;
        std::vector<float> zeros(n * 3, 0.0f);
        zeros[n] = -0.0f;
        for (float v : round_trip(t, zeros)) CHECK(v == 0.0f);
        // Constants whose scales are normal f16 numbers come back to f16 precision
        // (tiny ones have subnormal scales; the extreme-magnitude case covers them).
        for (float c : {0.37f, -2.5f, 1000.0f, -0.75f}) {
            std::vector<float> x(n * 2, c);
            for (float v : round_trip(t, x)) CHECK_MESSAGE(std::fabs(v - c) <= 2e-3 * std::fabs(c), std::string(t.name) << " " << c << " -> " << v);
        }
        // A zero sub-block next to non-zero ones stays zero (the min or scale of that sub-block is 0).
        std::vector<float> mixed(n, 0.0f);
        for (uint32_t i = n / 2; i < n; ++i) mixed[i] = float(i) * 0.01f;
        const std::vector<float> y = round_trip(t, mixed);
        for (uint32_t i = 0; i < n / 2; ++i) CHECK_MESSAGE(std::fabs(y[i]) <= bound.per_value * float(n) * 0.01f, std::string(t.name));
    }
}

TEST_CASE("block encoders stay finite and bounded on extreme magnitudes") {
    for (const Bound& bound : kBounds) {
        const DTypeTraits& t = dtype_traits(bound.type);
        const uint32_t n = t.block_values;
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<float> x(n * 4);
        for (uint32_t i = 0; i < n; ++i) x[i] = 6.0e4f * u(rng);          // near the f16 limit
        for (uint32_t i = n; i < 2 * n; ++i) x[i] = 1e-6f * u(rng);       // scales in the f16 subnormal range
        for (uint32_t i = 2 * n; i < 3 * n; ++i) x[i] = 0.01f * u(rng);   // one outlier among small values
        x[2 * n + 5] = 300.0f;
        for (uint32_t i = 3 * n; i < 4 * n; ++i) x[i] = (i % 2 ? 1.0f : -1.0f) * 65000.0f;
        check_per_value(t, bound, x, round_trip(t, x));
    }
}

TEST_CASE("plain float encoders round as the conversions do") {
    const std::vector<float> x = {0.0f, -0.0f, 1.0f, -3.14159f, 65504.0f, 1e-8f, 123.456f, -7e-5f};
    for (DType type : {DType::F32, DType::F16, DType::BF16}) {
        const DTypeTraits& t = dtype_traits(type);
        REQUIRE(static_cast<bool>(t.encode));
        const std::vector<float> y = round_trip(t, x);
        const double tol = type == DType::F32 ? 0 : type == DType::F16 ? 1.0 / 2048 : 1.0 / 256;
        for (size_t i = 0; i < x.size(); ++i)
            CHECK(std::fabs(x[i] - y[i]) <= tol * std::fabs(x[i]) + (type == DType::F16 ? 6e-8 : 0));
    }
}
