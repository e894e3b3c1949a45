#pragma once
// The sampler's own random generator (xoshiro256**, seeded through
// splitmix64), so a seed gives the same tokens on every platform and standard
// library; std::mt19937 would, but std's distributions would not.
#include <cstdint>

namespace vkllm::runtime {

class SamplingRng {
public:
    explicit SamplingRng(uint64_t seed = 0) { reseed(seed); }
    void reseed(uint64_t seed);
    uint64_t next_u64();
    // Uniform in [0, 1) with 53 random bits.
    double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

private:
    uint64_t state_[4];
};

}  // namespace vkllm::runtime
