#pragma once
// Random weights of any type of the weight table (common/weight_types.h) for
// kernel tests, and what the table's CPU decoder makes of them. Block formats
// get random code bytes (every bit pattern of these formats decodes) with
// their f16 scales (the table's scale offsets) set per block: moderate scales
// of either sign, and in every fourth row (rows 1, 5, ...) the extremes
// (zero, negative zero, +-65504, the smallest normal f16) so that a row of
// huge values does not hide the errors of the others. Subnormal f16 scales
// are left out: devices may flush them to zero when converting.
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <random>
#include <vector>

#include "common/half.h"
#include "common/weight_types.h"

namespace vkllm::test {

struct WeightData {
    std::vector<uint8_t> bytes;  // as a weight buffer holds them, padded to whole 4-byte words
    std::vector<float> values;   // the CPU decoder's values, rows * cols
};

inline uint64_t weight_bytes(DType type, uint64_t rows, uint64_t cols) {
    const DTypeTraits& t = dtype_traits(type);
    return rows * (cols / t.block_values) * t.block_bytes;
}

inline WeightData random_weights(DType type, uint64_t rows, uint64_t cols, uint32_t seed) {
    static const uint16_t kExtremes[] = {0x0000, 0x8000, 0x7BFF, 0xFBFF, 0x0400, 0x8400};
    const DTypeTraits& t = dtype_traits(type);
    std::mt19937 rng(seed);
    WeightData w;
    const uint64_t bytes = weight_bytes(type, rows, cols);
    w.bytes.assign((bytes + 3) / 4 * 4, 0);
    if (t.block_values == 1) {
        std::uniform_real_distribution<float> dist(-2.f, 2.f);
        for (uint64_t i = 0; i < rows * cols; ++i) {
            const float v = dist(rng);
            if (type == DType::F32) std::memcpy(&w.bytes[i * 4], &v, 4);
            else {
                const uint16_t h = type == DType::F16 ? float_to_half(v) : uint16_t(std::bit_cast<uint32_t>(v) >> 16);
                std::memcpy(&w.bytes[i * 2], &h, 2);
            }
        }
    } else {
        for (uint64_t i = 0; i < bytes; ++i) w.bytes[i] = uint8_t(rng());
        std::uniform_real_distribution<float> magnitude(0.25f, 1.f);
        const uint64_t blocks_per_row = cols / t.block_values;
        size_t extreme = 0;
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t b = 0; b < blocks_per_row; ++b) {
                uint8_t* block = w.bytes.data() + (r * blocks_per_row + b) * t.block_bytes;
                for (int s = 0; s < t.scale_count; ++s) {
                    uint16_t h;
                    if (r % 4 == 1) h = kExtremes[extreme++ % std::size(kExtremes)];
                    else h = float_to_half((rng() & 1 ? -1.f : 1.f) * magnitude(rng) / 64);
                    std::memcpy(block + t.scale_offsets[s], &h, 2);
                }
            }
    }
    w.values.resize(rows * cols);
    t.decode(w.bytes.data(), rows * cols / t.block_values, w.values.data());
    return w;
}

// The weight types the kernels read (every row of the table but bf16, which
// the uploader widens to f32).
inline std::vector<DType> kernel_weight_types() {
    std::vector<DType> types;
    for (const DTypeTraits& t : all_dtypes())
        if (t.type != DType::BF16) types.push_back(t.type);
    return types;
}

}  // namespace vkllm::test
