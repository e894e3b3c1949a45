// Gated activations (SwiGLU, GEGLU with erf and tanh GELU) vs float64 CPU.
// Tolerance: relative error <= 3e-6: the activation alone is within 2e-6
// (see eltwise_test.cpp: exp() and the erf approximation), the product with
// `up` adds one float32 rounding.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "kernels/gpu_test_context.h"
#include "ops/gated.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

// A single element is drawn where the activation is not vanishing: far in the
// negative tail the erf approximation's absolute error is large relative to GELU.
void check_gated(ops::Eltwise op, const std::function<double(double)>& act, uint32_t n, uint32_t seed) {
    ValidationGuard guard;
    auto gate = n == 1 ? random_floats(n, seed, 0.5f, 3.f) : random_floats(n, seed, -8.f, 8.f);
    auto up = random_floats(n, seed + 1, -2.f, 2.f);
    auto gate_buffer = make_buffer(gate, "gate");
    auto up_buffer = make_buffer(up, "up");
    auto out = make_output(n, "gated");
    run_once([&](vk::CommandBuffer& c) { ops::record_gated(gpu(), c, op, *gate_buffer, *up_buffer, *out, n); });
    std::vector<double> ref(n);
    for (uint32_t i = 0; i < n; ++i) ref[i] = act(gate[i]) * up[i];
    INFO("op=" << uint32_t(op) << " n=" << n);
    CHECK(relative_error(read_buffer(*out, n), ref) <= 3e-6);
}

double silu(double x) { return x / (1 + std::exp(-x)); }
double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))); }

}  // namespace

TEST_CASE("SwiGLU matches the CPU") {
    for (uint32_t n : {1u, 255u, 4097u, 300001u}) check_gated(ops::Eltwise::SiLU, silu, n, n);
}

TEST_CASE("GEGLU (erf and tanh GELU) matches the CPU") {
    for (uint32_t n : {1u, 257u, 5003u}) {
        check_gated(ops::Eltwise::GELU, gelu, n, n + 10);
        check_gated(ops::Eltwise::GELUTanh, gelu_tanh, n, n + 20);
    }
}

TEST_CASE("gated activation larger than maxStorageBufferRange runs in slices") {
    // 2.5x the limit where that stays small (the weaker-device run sets 1M).
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t n = range <= (8u << 20) ? uint32_t(range * 5 / 2 / 4) : 100000;
    check_gated(ops::Eltwise::SiLU, silu, n, 77);
}

TEST_CASE("a non-activation gate op is rejected") {
    ValidationGuard guard;
    auto a = make_buffer(random_floats(10, 1), "a");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_gated(gpu(), c, ops::Eltwise::Add, *a, *a, *a, 10), doctest::Contains("activation"));
    c.end();
}
