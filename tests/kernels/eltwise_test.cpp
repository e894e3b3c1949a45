// Element-wise kernels vs float64 CPU references. Tolerance: relative error
// <= 1e-6 (one or two float32 roundings), except GELU (erf approximation with
// |error| < 1.5e-7 absolute) and SiLU/tanh through exp(): <= 2e-6.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "kernels/gpu_test_context.h"
#include "ops/eltwise.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

void check_unary(ops::Eltwise op, const std::function<double(double)>& f, uint32_t n, double tol, uint32_t seed) {
    ValidationGuard guard;
    auto a = random_floats(n, seed, -8.f, 8.f);
    auto ab = make_buffer(a, "a");
    auto out = make_output(n, "c");
    run_once([&](vk::CommandBuffer& c) { ops::record_activation(gpu(), c, op, *ab, *out, n); });
    std::vector<double> ref(n);
    for (uint32_t i = 0; i < n; ++i) ref[i] = f(a[i]);
    INFO("op=" << uint32_t(op) << " n=" << n);
    CHECK(relative_error(read_buffer(*out, n), ref) <= tol);
}

void check_binary(ops::Eltwise op, uint32_t n, uint32_t b_len, uint32_t seed) {
    ValidationGuard guard;
    auto a = random_floats(n, seed);
    auto b = random_floats(b_len, seed + 1);
    auto ab = make_buffer(a, "a");
    auto bb = make_buffer(b, "b");
    auto out = make_output(n, "c");
    run_once([&](vk::CommandBuffer& c) { ops::record_eltwise(gpu(), c, op, *ab, *bb, *out, n, b_len); });
    std::vector<double> ref(n);
    for (uint32_t i = 0; i < n; ++i)
        ref[i] = op == ops::Eltwise::Add ? double(a[i]) + b[i % b_len] : double(a[i]) * b[i % b_len];
    INFO("n=" << n << " b_len=" << b_len);
    CHECK(relative_error(read_buffer(*out, n), ref) <= 1e-6);
}

}  // namespace

TEST_CASE("add and mul, plain and broadcast over rows") {
    for (auto op : {ops::Eltwise::Add, ops::Eltwise::Mul}) {
        check_binary(op, 1, 1, 1);
        check_binary(op, 1000, 1000, 2);
        check_binary(op, 777 * 3, 777, 3);
        check_binary(op, 300001, 300001, 4);
    }
}

TEST_CASE("activations match the CPU") {
    auto silu = [](double x) { return x / (1 + std::exp(-x)); };
    auto gelu = [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
    auto gelu_tanh = [](double x) {
        return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    };
    auto relu = [](double x) { return x > 0 ? x : 0.0; };
    // 300001 floats pass the weak device's 1 MiB binding range: the kernel slices.
    for (uint32_t n : {1u, 255u, 4097u, 300001u}) {
        check_unary(ops::Eltwise::SiLU, silu, n, 2e-6, n);
        check_unary(ops::Eltwise::GELU, gelu, n, 2e-6, n + 1);
        check_unary(ops::Eltwise::GELUTanh, gelu_tanh, n, 2e-6, n + 2);
        check_unary(ops::Eltwise::ReLU, relu, n, 1e-7, n + 3);
    }
}

TEST_CASE("a broadcast length that does not divide the size is rejected") {
    ValidationGuard guard;
    auto a = make_buffer(random_floats(10, 1), "a");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_eltwise(gpu(), c, ops::Eltwise::Add, *a, *a, *a, 10, 3),
                      doctest::Contains("does not divide"));
    c.end();
}

TEST_CASE("soft-capping: cap * tanh(x / cap) in place, also past the saturation of tanh") {
    // tanh of float32 in the shader: a few ulp of the result, <= 2e-6 relative
    // like the other tanh/exp kernels. Inputs reach 8000 = 1600 caps, where the
    // shader clamps x / cap to 15 (tanh(15) = 1 - 1.9e-13).
    for (uint32_t n : {1u, 4097u, 300001u}) {
        for (float cap : {5.0f, 30.0f}) {
            ValidationGuard guard;
            auto a = random_floats(n, n + uint32_t(cap), -8.f, 8.f);
            for (uint32_t i = 0; i < n; i += 7) a[i] *= 1000.f;
            auto buffer = make_buffer(a, "logits");
            run_once([&](vk::CommandBuffer& c) { ops::record_soft_cap(gpu(), c, *buffer, *buffer, n, cap); });
            std::vector<double> ref(n);
            for (uint32_t i = 0; i < n; ++i) ref[i] = cap * std::tanh(double(a[i]) / cap);
            INFO("n=" << n << " cap=" << cap);
            CHECK(relative_error(read_buffer(*buffer, n), ref) <= 2e-6);
        }
    }
    ValidationGuard guard;
    auto a = make_buffer(random_floats(10, 1), "a");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_soft_cap(gpu(), c, *a, *a, 10, 0.0f), doctest::Contains("finite cap > 0"));
    CHECK_THROWS_WITH(ops::record_eltwise(gpu(), c, ops::Eltwise::SoftCap, *a, *a, *a, 10, 1),
                      doctest::Contains("record_soft_cap"));
    c.end();
}
