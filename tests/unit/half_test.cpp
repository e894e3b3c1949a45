#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "common/half.h"

using namespace vkllm;

TEST_CASE("f16 round trip is exact for every half value") {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        float f = half_to_float(uint16_t(h));
        if (std::isnan(f)) continue;
        CHECK(float_to_half(f) == h);
    }
}

TEST_CASE("f32 -> f16 rounds to nearest within half an ulp") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-70000.f, 70000.f);
    for (int i = 0; i < 10000; ++i) {
        float f = dist(rng) * (i % 2 ? 1e-4f : 1.f);
        float back = half_to_float(float_to_half(f));
        if (std::fabs(f) >= 65520.f) {  // halfway past the largest half, 65504
            CHECK(std::isinf(back));
            continue;
        }
        // f16 has 11 significant bits: relative error <= 2^-11, absolute >= 2^-25 for subnormals.
        CHECK(std::fabs(back - f) <= std::max(std::fabs(f) * 0x1p-11f, 0x1p-25f));
    }
}

TEST_CASE("bf16 conversion keeps 8 significant bits") {
    for (float f : {1.0f, -3.14159f, 1e-20f, 6.5e20f}) {
        float back = bf16_to_float(float_to_bf16(f));
        CHECK(std::fabs(back - f) <= std::fabs(f) * 0x1p-8f);
    }
}
