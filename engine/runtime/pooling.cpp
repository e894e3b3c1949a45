#include "runtime/pooling.h"

#include <cmath>

#include "vkllm/error.h"

namespace vkllm::runtime {

std::vector<float> pool_embedding(std::span<const float> hidden, uint32_t tokens, uint32_t width, Pooling pooling) {
    if (tokens == 0 || width == 0) throw InputError("nothing to pool: no tokens");
    if (hidden.size() != size_t(tokens) * width)
        throw Error("pool_embedding: " + std::to_string(hidden.size()) + " values are not " + std::to_string(tokens) +
                    " rows of " + std::to_string(width));
    std::vector<float> out(width, 0.0f);
    if (pooling == Pooling::Cls) {
        out.assign(hidden.begin(), hidden.begin() + width);
    } else {
        std::vector<double> sum(width, 0.0);  // in double: a long input's mean keeps its precision
        for (uint32_t t = 0; t < tokens; ++t)
            for (uint32_t i = 0; i < width; ++i) sum[i] += hidden[size_t(t) * width + i];
        for (uint32_t i = 0; i < width; ++i) out[i] = float(sum[i] / tokens);
    }
    l2_normalize(out);
    return out;
}

void l2_normalize(std::vector<float>& x) {
    double norm = 0;
    for (float v : x) norm += double(v) * v;
    norm = std::sqrt(norm);
    if (norm == 0) return;
    for (float& v : x) v = float(v / norm);
}

}  // namespace vkllm::runtime
