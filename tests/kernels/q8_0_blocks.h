#pragma once
// Builds GGUF Q8_0 data for kernel tests: per 32 values one f16 scale
// (max |x| / 127) and 32 int8, 34 bytes a block, padded to whole 4-byte words.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/half.h"

namespace vkllm::test {

struct Q8_0Data {
    std::vector<uint8_t> bytes;   // the blocks, as a weight buffer holds them
    std::vector<float> values;    // what they decode to: scale * q, exact in float
};

inline Q8_0Data quantize_q8_0(const std::vector<float>& x) {
    Q8_0Data out;
    const size_t blocks = x.size() / 32;
    out.bytes.assign((blocks * 34 + 3) / 4 * 4, 0);
    out.values.resize(blocks * 32);
    for (size_t b = 0; b < blocks; ++b) {
        float amax = 0;
        for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
        const uint16_t scale_bits = float_to_half(amax / 127.f);
        const float scale = half_to_float(scale_bits);
        uint8_t* block = out.bytes.data() + b * 34;
        std::memcpy(block, &scale_bits, 2);
        for (size_t j = 0; j < 32; ++j) {
            float q = scale > 0 ? std::round(x[b * 32 + j] / scale) : 0.f;
            auto qi = int8_t(std::clamp(q, -127.f, 127.f));
            block[2 + j] = uint8_t(qi);
            out.values[b * 32 + j] = scale * float(qi);
        }
    }
    return out;
}

}  // namespace vkllm::test
