// Unit checks of the reference's building blocks against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>

#include "model/alibi_slopes.h"
#include "reference/attention.h"
#include "reference/moe.h"
#include "reference/norms.h"
#include "reference/rope.h"

using namespace vkllm;
using namespace vkllm::ref;

namespace {
// Values below are exact decimals or written to 15+ digits: 1e-12 relative is
// far below double rounding of these short computations.
void check_close(const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
    }
}
}  // namespace

TEST_CASE("rope: default and linear inverse frequencies") {
    RopeConfig rope;
    rope.theta = 10000.0;
    check_close(rope_inverse_frequencies(rope, 8, 1), {1.0, 0.1, 0.01, 0.001});
    rope.scaling = RopeScaling::Linear;
    rope.factor = 2.0;
    check_close(rope_inverse_frequencies(rope, 8, 1), {0.5, 0.05, 0.005, 0.0005});
    CHECK(rope_attention_factor(rope) == 1.0);
}

TEST_CASE("rope: dynamic NTK changes the base only past the original context") {
    RopeConfig rope;
    rope.scaling = RopeScaling::DynamicNTK;
    rope.factor = 2.0;
    rope.original_max_position = 16;
    check_close(rope_inverse_frequencies(rope, 4, 8), {1.0, 0.01});
    // theta' = 10000 * (2 * 32 / 16 - 1)^(4 / 2) = 90000
    check_close(rope_inverse_frequencies(rope, 4, 32), {1.0, 1.0 / 300.0});
}

TEST_CASE("rope: YaRN ramp and attention factor") {
    RopeConfig rope;
    rope.scaling = RopeScaling::YaRN;
    rope.factor = 4.0;
    rope.original_max_position = 64;
    // correction dims: beta_fast 32 -> -0.497 -> floor, clamp -> 0; beta_slow 1 -> 1.008 -> ceil -> 2.
    // ramp over pairs 0..3 = [0, 0.5, 1, 1]; pair i keeps (1 - ramp) of the unscaled frequency.
    check_close(rope_inverse_frequencies(rope, 8, 1), {1.0, 0.0625, 0.0025, 0.00025});
    CHECK(rope_attention_factor(rope) == doctest::Approx(1.138629436111989).epsilon(1e-12));
    rope.attention_factor = 1.5;
    CHECK(rope_attention_factor(rope) == 1.5);
}

TEST_CASE("rope: Llama-3 keeps high frequencies, divides low ones, blends the middle") {
    RopeConfig rope;
    rope.scaling = RopeScaling::Llama3;
    rope.factor = 8.0;
    rope.low_freq_factor = 1.0;
    rope.high_freq_factor = 4.0;
    rope.original_max_position = 1000;
    // wavelengths 2pi/f: 6.28, 62.8 (< 250: kept), 628.3 (blend), 6283 (> 1000: / 8)
    // blend: s = (1000 / 628.3185 - 1) / 3; f = (1 - s) * 0.01 / 8 + s * 0.01
    check_close(rope_inverse_frequencies(rope, 8, 1), {1.0, 0.1, 0.002975352506846947, 0.000125});
}

TEST_CASE("rope: frequency factors divide each pair's frequency after scaling") {
    RopeConfig rope;
    rope.frequency_factors = {1.0, 4.0, 8.0, 0.5};
    check_close(rope_inverse_frequencies(rope, 8, 1), {1.0, 0.025, 0.00125, 0.002});
    rope.scaling = RopeScaling::Linear;
    rope.factor = 2.0;
    check_close(rope_inverse_frequencies(rope, 8, 1), {0.5, 0.0125, 0.000625, 0.001});
    rope.frequency_factors = {1.0, 2.0};
    CHECK_THROWS_WITH(rope_inverse_frequencies(rope, 8, 1), doctest::Contains("2 frequency factors for 4 rotary pairs"));
}

TEST_CASE("rope: NeoX rotates pairs (i, i + d/2), GPT-J pairs (2i, 2i + 1), partial dims pass through") {
    const std::vector<double> inv = {1.0, 0.5};
    float neox[6] = {1, 2, 3, 4, 5, 6};
    apply_rope(neox, 4, RopeStyle::NeoX, inv, 1, 1.0);
    CHECK(neox[0] == doctest::Approx(1 * std::cos(1.0) - 3 * std::sin(1.0)));
    CHECK(neox[2] == doctest::Approx(3 * std::cos(1.0) + 1 * std::sin(1.0)));
    CHECK(neox[1] == doctest::Approx(2 * std::cos(0.5) - 4 * std::sin(0.5)));
    CHECK(neox[4] == 5);
    CHECK(neox[5] == 6);
    float gptj[4] = {1, 2, 3, 4};
    apply_rope(gptj, 4, RopeStyle::GPTJ, inv, 2, 1.0);
    CHECK(gptj[0] == doctest::Approx(1 * std::cos(2.0) - 2 * std::sin(2.0)));
    CHECK(gptj[1] == doctest::Approx(2 * std::cos(2.0) + 1 * std::sin(2.0)));
    CHECK(gptj[3] == doctest::Approx(4 * std::cos(1.0) + 3 * std::sin(1.0)));
}

TEST_CASE("alibi: slopes for power-of-two and other head counts") {
    check_close(alibi_slopes(4), {0.25, 0.0625, 0.015625, 0.00390625});
    check_close(alibi_slopes(8), {0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625});
    // 6 heads: the 4-head slopes, then slopes 1 and 3 of the 8-head sequence.
    check_close(alibi_slopes(6), {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125});
    check_close(alibi_slopes(12), {0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
                                   0.7071067811865476, 0.35355339059327384, 0.17677669529663695,
                                   0.08838834764831849});
}

TEST_CASE("attention mask: causal, sliding window, bidirectional") {
    AttentionConfig a;
    CHECK(attention_allowed(a, 5, 0));
    CHECK_FALSE(attention_allowed(a, 5, 6));
    a.sliding_window = 3;  // i - 3 < j <= i
    CHECK(attention_allowed(a, 5, 3));
    CHECK_FALSE(attention_allowed(a, 5, 2));
    a = AttentionConfig{};
    a.causal = false;
    CHECK(attention_allowed(a, 0, 7));
}

namespace {

// Router weight per expert of token t (0 for experts it does not reach).
std::vector<double> expert_weights(const MoeConfig& m, const float* logits, size_t tokens, size_t t) {
    const Routing r = route_batch(m, logits, tokens);
    std::vector<double> w(m.num_experts, 0.0);
    for (uint32_t j = 0; j < r.slots_per_token; ++j) {
        const int32_t e = r.expert[t * r.slots_per_token + j];
        if (e >= 0) w[e] += r.weight[t * r.slots_per_token + j];
    }
    return w;
}

}  // namespace

TEST_CASE("moe routing: softmax top-k with and without renormalisation, sigmoid router") {
    MoeConfig m;
    m.num_experts = 4;
    m.top_k = 2;
    const float logits[4] = {0.0f, 2.0f, 1.0f, -1.0f};
    const double z = 1 + std::exp(2.0) + std::exp(1.0) + std::exp(-1.0);
    m.renormalize_top_k = false;
    check_close(expert_weights(m, logits, 1, 0), {0.0, std::exp(2.0) / z, std::exp(1.0) / z, 0.0});
    m.renormalize_top_k = true;
    const double top = std::exp(2.0) + std::exp(1.0);
    check_close(expert_weights(m, logits, 1, 0), {0.0, std::exp(2.0) / top, std::exp(1.0) / top, 0.0});
    m.router = RouterType::Sigmoid;
    m.renormalize_top_k = false;
    check_close(expert_weights(m, logits, 1, 0), {0.0, 1 / (1 + std::exp(-2.0)), 1 / (1 + std::exp(-1.0)), 0.0});
    m.dense = true;
    CHECK(expert_weights(m, logits, 1, 0)[3] == doctest::Approx(1 / (1 + std::exp(1.0))));
}

TEST_CASE("moe routing: equal logits rank the lower expert first") {
    MoeConfig m;
    m.num_experts = 4;
    m.top_k = 1;
    const float logits[4] = {1.0f, 3.0f, 3.0f, 3.0f};
    const Routing r = route_batch(m, logits, 1);
    CHECK(r.expert == std::vector<int32_t>{1});
    CHECK(r.chosen == std::vector<uint32_t>{0, 1, 0, 0});
}

TEST_CASE("moe routing: capacity serves tokens in order, next-best or drop") {
    MoeConfig m;
    m.num_experts = 2;
    m.top_k = 1;
    m.renormalize_top_k = false;
    m.capacity_factor = 1.0;  // ceil(1.0 * 4 / 2) = 2 slots per expert
    // Every token prefers expert 0.
    const float logits[8] = {2, 1, 3, 1, 1, 0, 5, 1};
    Routing r = route_batch(m, logits, 4);
    CHECK(r.expert == std::vector<int32_t>{0, 0, 1, 1});
    CHECK(r.weight[2] == doctest::Approx(1 / (1 + std::exp(1.0))));  // expert 1's own probability
    m.capacity_overflow = CapacityOverflow::Drop;
    r = route_batch(m, logits, 4);
    CHECK(r.expert == std::vector<int32_t>{0, 0, -1, -1});
    CHECK(r.weight[3] == 0.0);
    CHECK(r.chosen == std::vector<uint32_t>{4, 0});
}

TEST_CASE("norms: RMSNorm, Gemma's 1 + w, LayerNorm") {
    float x[2] = {3.0f, 4.0f};  // mean square 12.5
    const float w[2] = {1.0f, 0.5f};
    rms_norm_row(x, 2, w, 0.0, false);
    CHECK(x[0] == doctest::Approx(3 / std::sqrt(12.5)));
    CHECK(x[1] == doctest::Approx(0.5 * 4 / std::sqrt(12.5)));
    float y[2] = {3.0f, 4.0f};
    rms_norm_row(y, 2, w, 0.0, true);
    CHECK(y[1] == doctest::Approx(1.5 * 4 / std::sqrt(12.5)));
    float z[2] = {1.0f, 3.0f};  // mean 2, variance 1
    const float b[2] = {0.25f, -0.25f};
    layer_norm_row(z, 2, w, b, 0.0);
    CHECK(z[0] == doctest::Approx(-1.0 + 0.25));
    CHECK(z[1] == doctest::Approx(0.5 - 0.25));
}
