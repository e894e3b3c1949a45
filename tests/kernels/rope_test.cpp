// Rotary position embedding vs a float64 CPU rotation that uses the same
// float32 inverse frequencies the GPU gets. Tolerance: relative error <= 4e-6.
// The kernel forms position * inv_freq exactly and reduces it to [-pi, pi]
// (angle error ~1e-7 rad even at position 4000); what remains is float32
// sin/cos on [-pi, pi] (~2^-21 absolute on common drivers) and the two
// roundings of each rotated value.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "kernels/gpu_test_context.h"
#include "common/half.h"
#include "ops/kv_write.h"
#include "ops/rope.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<double> default_inv_freq(double theta, uint32_t dims) {
    std::vector<double> inv(dims / 2);
    for (uint32_t i = 0; i < dims / 2; ++i) inv[i] = std::pow(theta, -double(2 * i) / double(dims));
    return inv;
}

std::vector<double> linear_inv_freq(double theta, uint32_t dims, double factor) {
    auto inv = default_inv_freq(theta, dims);
    for (double& f : inv) f /= factor;
    return inv;
}

// Llama 3.1 scaling: long wavelengths divided by factor, short ones kept, a smooth blend between.
std::vector<double> llama3_inv_freq(double theta, uint32_t dims, double factor, double low, double high,
                                    double context) {
    auto inv = default_inv_freq(theta, dims);
    for (double& f : inv) {
        const double wavelen = 2 * kPi / f;
        if (wavelen > context / low) {
            f /= factor;
        } else if (wavelen >= context / high) {
            const double smooth = (context / wavelen - low) / (high - low);
            f = (1 - smooth) * f / factor + smooth * f;
        }
    }
    return inv;
}

struct Case {
    uint32_t tokens, heads, head_dim, rotary_dims;
    ops::RopeStyle style;
    float attention_factor;
};

// x [tokens, heads, head_dim] rotated in float64 with the float32 inverse frequencies the GPU gets.
std::vector<double> rotated(const Case& k, const std::vector<float>& x, const std::vector<int32_t>& positions,
                            const std::vector<float>& inv_freq) {
    std::vector<double> ref(x.begin(), x.end());
    const uint32_t half = k.rotary_dims / 2;
    for (uint32_t t = 0; t < k.tokens; ++t)
        for (uint32_t h = 0; h < k.heads; ++h) {
            const size_t base = (size_t(t) * k.heads + h) * k.head_dim;
            for (uint32_t i = 0; i < half; ++i) {
                const double angle = double(positions[t]) * double(inv_freq[i]);
                const double c = std::cos(angle) * k.attention_factor, s = std::sin(angle) * k.attention_factor;
                const size_t a = base + (k.style == ops::RopeStyle::NeoX ? i : 2 * i);
                const size_t b = base + (k.style == ops::RopeStyle::NeoX ? i + half : 2 * i + 1);
                ref[a] = x[a] * c - double(x[b]) * s;
                ref[b] = x[b] * c + double(x[a]) * s;
            }
        }
    return ref;
}

void check_rope(const Case& k, const std::vector<double>& inv_freq_double, uint32_t max_position, uint32_t seed) {
    ValidationGuard guard;
    REQUIRE(inv_freq_double.size() == k.rotary_dims / 2);
    std::vector<float> inv_freq(inv_freq_double.begin(), inv_freq_double.end());
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> pos_dist(0, int32_t(max_position));
    std::vector<int32_t> positions(k.tokens);
    for (auto& p : positions) p = pos_dist(rng);
    positions[0] = int32_t(max_position);
    const size_t n = size_t(k.tokens) * k.heads * k.head_dim;
    auto x = random_floats(n, seed + 1);

    auto x_buffer = make_buffer(x, "q");
    auto pos_buffer = make_buffer_bytes(positions.data(), positions.size() * 4, "positions");
    auto freq_buffer = make_buffer(inv_freq, "inv_freq");
    ops::RopeSpec spec{k.head_dim, k.rotary_dims, k.style, k.attention_factor};
    run_once([&](vk::CommandBuffer& c) {
        ops::record_rope(gpu(), c, spec, *x_buffer, *pos_buffer, *freq_buffer, k.tokens, k.heads);
    });
    auto out = read_buffer(*x_buffer, n);

    const std::vector<double> ref = rotated(k, x, positions, inv_freq);
    INFO("tokens=" << k.tokens << " heads=" << k.heads << " head_dim=" << k.head_dim << " rotary=" << k.rotary_dims
                   << " gptj=" << (k.style == ops::RopeStyle::GPTJ) << " max position=" << max_position);
    CHECK(relative_error(out, ref) <= 4e-6);
    // Dims past the rotary part pass through bit for bit.
    size_t changed = 0;
    for (uint32_t t = 0; t < k.tokens; ++t)
        for (uint32_t h = 0; h < k.heads; ++h)
            for (uint32_t d = k.rotary_dims; d < k.head_dim; ++d) {
                const size_t e = (size_t(t) * k.heads + h) * k.head_dim + d;
                changed += out[e] != x[e];
            }
    CHECK(changed == 0);
}


// The KV write that rotates keys on their way into the pool (ops/kv_write.h):
// the pool's rows against the same float64 rotation; values are copied as
// given. f32 pools: the RoPE tolerance above; f16 pools: the rotation
// rounded to f16 (relative 2^-11 per value) on top, so <= 1e-3.
void check_kv_write_rope(const Case& k, uint32_t seed) {
    ValidationGuard guard;
    const bool f16 = gpu().caps().storage_16bit;
    const uint32_t row = k.heads * k.head_dim, slots = k.tokens + 4;
    std::vector<float> inv_freq;
    for (double f : default_inv_freq(10000, k.rotary_dims)) inv_freq.push_back(float(f));
    std::vector<int32_t> positions(k.tokens), slot_of(k.tokens);
    for (uint32_t t = 0; t < k.tokens; ++t) {
        positions[t] = int32_t((t * 977u + seed) % 5000u);
        slot_of[t] = int32_t((t * 3u + 1u) % slots);  // distinct slots while 3 does not divide `slots`
    }
    REQUIRE(slots % 3 != 0);
    auto x = random_floats(size_t(k.tokens) * row, seed), v = random_floats(size_t(k.tokens) * row, seed + 1);
    auto kb = make_buffer(x, "k"), vb = make_buffer(v, "v");
    auto sb = make_buffer_bytes(slot_of.data(), slot_of.size() * 4, "slots");
    auto pb = make_buffer_bytes(positions.data(), positions.size() * 4, "positions");
    auto fb = make_buffer(inv_freq, "inv_freq");
    const uint64_t pool_bytes = uint64_t(slots) * row * (f16 ? 2 : 4);
    vk::Buffer k_pool(gpu(), pool_bytes, vk::BufferKind::Device, "k pool"), v_pool(gpu(), pool_bytes, vk::BufferKind::Device, "v pool");
    const ops::KvRope rope{{k.head_dim, k.rotary_dims, k.style, k.attention_factor}, pb.get(), fb.get()};
    run_once([&](vk::CommandBuffer& c) {
        ops::record_kv_write(gpu(), c, *kb, *vb, *sb, k_pool, v_pool, k.tokens, row, f16 ? DType::F16 : DType::F32,
                             &rope);
    });
    auto read_pool = [&](const vk::Buffer& pool) {
        std::vector<float> out(size_t(slots) * row);
        if (!f16) return read_buffer(pool, out.size());
        std::vector<uint16_t> halves(out.size());
        vk::download(gpu(), pool, halves.data(), halves.size() * 2);
        for (size_t i = 0; i < out.size(); ++i) out[i] = half_to_float(halves[i]);
        return out;
    };
    const std::vector<float> keys = read_pool(k_pool), values = read_pool(v_pool);
    const std::vector<double> ref = rotated(k, x, positions, inv_freq);
    std::vector<float> got_k, got_v;
    std::vector<double> want_v;
    for (uint32_t t = 0; t < k.tokens; ++t)
        for (uint32_t c = 0; c < row; ++c) {
            got_k.push_back(keys[size_t(slot_of[t]) * row + c]);
            got_v.push_back(values[size_t(slot_of[t]) * row + c]);
            want_v.push_back(v[size_t(t) * row + c]);
        }
    INFO("tokens=" << k.tokens << " heads=" << k.heads << " head_dim=" << k.head_dim << " rotary=" << k.rotary_dims
                   << " gptj=" << (k.style == ops::RopeStyle::GPTJ) << " f16 pools=" << f16);
    CHECK(relative_error(got_k, ref) <= (f16 ? 1e-3 : 4e-6));
    CHECK(relative_error(got_v, want_v) <= (f16 ? 1e-3 : 0.0));
}

}  // namespace

TEST_CASE("RoPE NeoX and GPT-J, full and partial rotary, match the CPU") {
    uint32_t seed = 1300;
    for (auto style : {ops::RopeStyle::NeoX, ops::RopeStyle::GPTJ}) {
        // rotary fraction 1, 0.5 and 0.25; heads * pairs below, at and past the workgroup size.
        for (uint32_t rotary : {64u, 32u, 16u}) {
            check_rope({7, 5, 64, rotary, style, 1.0f}, default_inv_freq(10000, rotary), 4000, seed++);
            check_rope({1, 1, 64, rotary, style, 1.0f}, default_inv_freq(10000, rotary), 17, seed++);
        }
        check_rope({3, 4, 80, 40, style, 1.0f}, default_inv_freq(10000, 40), 4000, seed++);  // half = 20
        check_rope({5, 2, 128, 128, style, 1.0f}, default_inv_freq(1e6, 128), 4000, seed++);
    }
}

TEST_CASE("RoPE with linear and Llama 3 scaled frequencies and an attention factor") {
    check_rope({9, 3, 64, 64, ops::RopeStyle::NeoX, 1.0f}, linear_inv_freq(10000, 64, 4.0), 4000, 1400);
    check_rope({9, 3, 128, 128, ops::RopeStyle::NeoX, 1.0f}, llama3_inv_freq(500000, 128, 8, 1, 4, 8192), 4000, 1401);
    check_rope({6, 4, 96, 48, ops::RopeStyle::GPTJ, 1.0f}, llama3_inv_freq(500000, 48, 8, 1, 4, 8192), 4000, 1402);
    // YaRN-style temperature on cos and sin (0.1 ln(4) + 1).
    check_rope({4, 2, 64, 64, ops::RopeStyle::NeoX, 1.1386294f}, default_inv_freq(10000, 64), 3000, 1403);
}

TEST_CASE("RoPE on activations larger than maxStorageBufferRange runs in token slices") {
    // 2.5x the limit where that stays small (the weaker-device run sets 1M).
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t heads = 4, head_dim = 64;
    const uint32_t tokens = range <= (8u << 20) ? uint32_t(range * 5 / 2 / (heads * head_dim * 4)) : 300;
    check_rope({tokens, heads, head_dim, 64, ops::RopeStyle::NeoX, 1.0f}, default_inv_freq(10000, 64), 4000, 1500);
}

TEST_CASE("RoPE rejects odd or oversized rotary dims and short buffers") {
    ValidationGuard guard;
    auto x = make_buffer(random_floats(64, 1), "x");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_rope(gpu(), c, {64, 33, ops::RopeStyle::NeoX, 1.f}, *x, *x, *x, 1, 1),
                      doctest::Contains("even"));
    CHECK_THROWS_WITH(ops::record_rope(gpu(), c, {64, 66, ops::RopeStyle::NeoX, 1.f}, *x, *x, *x, 1, 1),
                      doctest::Contains("head size"));
    CHECK_THROWS_WITH(ops::record_rope(gpu(), c, {64, 64, ops::RopeStyle::NeoX, 1.f}, *x, *x, *x, 2, 1),
                      doctest::Contains("too small"));
    c.end();
}

TEST_CASE("KV write rotates the keys (RoPE) on their way into the pool") {
    uint32_t seed = 1600;
    for (auto style : {ops::RopeStyle::NeoX, ops::RopeStyle::GPTJ})
        for (uint32_t rotary : {64u, 32u}) check_kv_write_rope({7, 3, 64, rotary, style, 1.0f}, seed++);
    check_kv_write_rope({4, 2, 128, 128, ops::RopeStyle::NeoX, 1.1386294f}, seed++);
}
