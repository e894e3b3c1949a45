// The bandwidth probes (ops/bandwidth.h) move and read exactly what they are
// given: the copy is bit-exact and the read's folded outputs xor to the xor of
// the source, for sizes below, at and past one pass of the probe's grid and
// its four-deep unrolling (so every loop tail runs). Integers: no tolerance.
#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include "kernels/gpu_test_context.h"
#include "ops/bandwidth.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

std::vector<uint32_t> random_words(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint32_t> w(n);
    for (auto& x : w) x = rng();
    return w;
}

std::vector<uint32_t> read_words(const vk::Buffer& buffer, size_t n) {
    const std::vector<float> f = read_buffer(buffer, n);
    std::vector<uint32_t> w(n);
    std::memcpy(w.data(), f.data(), n * 4);
    return w;
}

}  // namespace

TEST_CASE("bandwidth probes copy and read every byte") {
    const uint64_t grid = ops::bandwidth_probe_outputs(gpu().caps());
    uint32_t seed = 77;
    for (uint64_t values : {uint64_t(1), uint64_t(1000), grid, 4 * grid + 3, 9 * grid + 5}) {
        ValidationGuard guard;
        INFO(values << " 16-byte values, grid of " << grid);
        const std::vector<uint32_t> words = random_words(values * 4, ++seed);
        auto src = make_buffer_bytes(words.data(), words.size() * 4, "source");
        auto copy = make_output(words.size(), "copy");
        auto folded = make_output(grid * 4, "folded");
        run_once([&](vk::CommandBuffer& c) {
            ops::record_bandwidth_probe(gpu(), c, ops::BandwidthProbe::Copy, *src, *copy, values * 16);
            ops::record_bandwidth_probe(gpu(), c, ops::BandwidthProbe::Read, *src, *folded, values * 16);
        });
        CHECK(read_words(*copy, words.size()) == words);
        uint32_t expect[4] = {0, 0, 0, 0}, got[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < words.size(); ++i) expect[i % 4] ^= words[i];
        const std::vector<uint32_t> out = read_words(*folded, grid * 4);
        for (size_t i = 0; i < out.size(); ++i) got[i % 4] ^= out[i];
        CHECK(std::memcmp(expect, got, sizeof expect) == 0);
    }
}

TEST_CASE("bandwidth probes refuse sizes they cannot cover") {
    auto src = make_output(8, "source");
    auto dst = make_output(8, "destination");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_bandwidth_probe(gpu(), c, ops::BandwidthProbe::Copy, *src, *dst, 20),
                      doctest::Contains("multiple of 16"));
    CHECK_THROWS_WITH(ops::record_bandwidth_probe(gpu(), c, ops::BandwidthProbe::Copy, *src, *dst, 64),
                      doctest::Contains("within the buffer"));
    CHECK_THROWS_WITH(ops::record_bandwidth_probe(gpu(), c, ops::BandwidthProbe::Read, *src, *dst, 32),
                      doctest::Contains("needs"));
    c.end();
}
