#pragma once
// Deterministic pseudo-random numbers for synthetic weights. Only integer
// arithmetic and float multiply/add, so the output is the same on every
// platform and standard library (std:: distributions are not).
#include <cstdint>
#include <string_view>

namespace vkllm {

inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna).
class Xoshiro256 {
public:
    explicit Xoshiro256(uint64_t seed) {
        for (uint64_t& word : s_) word = splitmix64(seed);
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 24 bits, exact in float.
    float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }

    // Approximately standard normal: the sum of four 24-bit uniforms (Irwin-Hall),
    // centred and scaled to unit variance; bounded by +-3.46. Two draws supply
    // the four uniforms.
    float normal() {
        const uint64_t a = next(), b = next();
        constexpr float unit = 1.0f / 16777216.0f;
        float sum = float(a >> 40) * unit + float((a >> 8) & 0xffffff) * unit + float(b >> 40) * unit +
                    float((b >> 8) & 0xffffff) * unit;
        return (sum - 2.0f) * 1.7320508f;
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

// A stream seed per tensor, so a tensor's values do not depend on which other
// tensors the config has.
inline uint64_t tensor_seed(uint64_t seed, std::string_view name) {
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
    for (char ch : name) hash = (hash ^ uint8_t(ch)) * 0x100000001b3ull;
    uint64_t state = seed ^ hash;
    return splitmix64(state);
}

}  // namespace vkllm
