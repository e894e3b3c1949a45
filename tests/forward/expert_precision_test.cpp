// Routed expert layers with f16 weights against a float64 CPU product, with
// f32 activations and with activations rounded to f16 (which lets devices with
// cooperative matrices use them). Bounds: f32 activations as the dense linear
// kernels, 2e-6 * sqrt(K) + 1e-6 relative; f16 activations keep 11 significant
// bits, so one rounded operand moves a dot product of random signs by about
// 2^-11 relative: 2e-3. Rows inside an expert may come in any order (the
// grouping places them with atomics), so each grouped row is checked against
// the token and expert the plan says it holds.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>

#include "common/half.h"
#include "forward/forward_context.h"
#include "ops/expert_linear.h"
#include "ops/moe.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

using namespace vkllm;
using vkllm::test::forward_device;

namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

std::unique_ptr<vk::Buffer> device_copy(const void* data, size_t bytes, const char* name) {
    auto b = std::make_unique<vk::Buffer>(forward_device(), bytes, vk::BufferKind::Device, name);
    vk::upload(forward_device(), *b, data, bytes);
    return b;
}

}  // namespace

TEST_CASE("routed f16 expert matmul matches the CPU with f32 and with f16 activations") {
    vk::Device& device = forward_device();
    const size_t start = device.instance().validation_log().count();
    const uint32_t tokens = 150, experts = 5, rows = 200, cols = 96;
    ops::MoeRoutingSpec spec;
    spec.experts = experts;
    spec.top_k = 2;
    const auto logits = random_values(size_t(tokens) * experts, 1);
    const auto x = random_values(size_t(tokens) * cols, 2);
    auto w = random_values(size_t(experts) * rows * cols, 3);
    std::vector<uint16_t> halves(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        halves[i] = float_to_half(w[i]);
        w[i] = half_to_float(halves[i]);
    }
    auto logits_buffer = device_copy(logits.data(), logits.size() * 4, "logits");
    auto x_buffer = device_copy(x.data(), x.size() * 4, "x");
    auto w_buffer = device_copy(halves.data(), halves.size() * 2, "stacked experts");
    auto stats = std::make_unique<vk::Buffer>(device, ops::moe_stats_words(experts) * 4, vk::BufferKind::Device, "stats");
    ops::MoeRoutingBuffers routing(device, spec, tokens);
    const ops::ExpertMatrix matrix{{w_buffer.get(), 0, DType::F16, experts * rows, cols}, experts};
    const uint32_t slots = tokens * spec.top_k;
    for (auto precision : {ops::MatmulPrecision::F32Activations, ops::MatmulPrecision::F16Activations}) {
        const bool f16 = precision == ops::MatmulPrecision::F16Activations;
        std::vector<float> out(size_t(slots) * rows, 0.f);
        auto out_buffer = device_copy(out.data(), out.size() * 4, "out");
        vk::CommandBuffer commands(device);
        commands.begin();
        commands.fill(*stats, 0);
        commands.barrier();
        ops::record_moe_routing(device, commands, spec, *logits_buffer, routing, *stats, tokens);
        commands.barrier();
        ops::record_expert_linear(device, commands, spec, *x_buffer, matrix, routing, *out_buffer, tokens, true, precision);
        commands.end();
        commands.submit_and_wait();
        std::vector<int32_t> grouped(size_t(slots) * 2);
        vk::download(device, *out_buffer, out.data(), out.size() * 4);
        vk::download(device, *routing.grouped_rows, grouped.data(), grouped.size() * 4);
        double diff = 0, norm = 0;
        for (uint32_t r = 0; r < slots; ++r) {
            const int32_t token = grouped[2 * r], expert = grouped[2 * r + 1];
            REQUIRE(expert >= 0);  // no capacity: every slot runs
            for (uint32_t o = 0; o < rows; ++o) {
                double ref = 0;
                for (uint32_t i = 0; i < cols; ++i)
                    ref += double(x[size_t(token) * cols + i]) * w[(size_t(expert) * rows + o) * cols + i];
                diff += std::pow(out[size_t(r) * rows + o] - ref, 2);
                norm += ref * ref;
            }
        }
        const double relative = std::sqrt(diff / norm);
        INFO((f16 ? "f16" : "f32") << " activations: relative " << relative);
        CHECK(relative <= (f16 ? 2e-3 : 2e-6 * std::sqrt(double(cols)) + 1e-6));
    }
    for (const auto& m : device.instance().validation_log().messages_since(start)) FAIL_CHECK(m);
}
