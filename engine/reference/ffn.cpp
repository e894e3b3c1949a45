#include "reference/ffn.h"

#include "reference/activations.h"

namespace vkllm::ref {

Matrix ffn(const FfnConfig& config, const ModelWeights& weights, const std::string& prefix, const Matrix& x,
           size_t intermediate, bool bias) {
    Matrix up = linear(x, weights, prefix + ".up", intermediate, bias);
    if (config.gated) {
        const Matrix gate = linear(x, weights, prefix + ".gate", intermediate, false);
        for (size_t i = 0; i < up.data.size(); ++i)
            up.data[i] = float(activate(config.activation, gate.data[i]) * double(up.data[i]));
    } else {
        for (float& value : up.data) value = float(activate(config.activation, value));
    }
    return linear(up, weights, prefix + ".down", x.cols, bias);
}

}  // namespace vkllm::ref
