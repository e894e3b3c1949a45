#include "reference/matrix.h"

#include "vkllm/error.h"

namespace vkllm::ref {

namespace {
std::string shape_string(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}
}  // namespace

Weight load_weight(const ModelWeights& weights, const std::string& name) {
    const TensorView& t = weights.get(name);
    return {t.shape, to_f32(t)};
}

Weight load_weight(const ModelWeights& weights, const std::string& name, const std::vector<uint64_t>& shape) {
    const TensorView& t = weights.get(name);
    if (t.shape != shape)
        throw InputError((weights.source.empty() ? std::string("weights") : weights.source) + ": tensor '" + name +
                         "' has shape " + shape_string(t.shape) + ", expected " + shape_string(shape));
    return {t.shape, to_f32(t)};
}

Matrix linear(const Matrix& x, const ModelWeights& weights, const std::string& prefix, size_t out, bool bias) {
    const Weight w = load_weight(weights, prefix + ".weight", {out, x.cols});
    Weight b;
    if (bias) b = load_weight(weights, prefix + ".bias", {out});
    Matrix y(x.rows, out);
    for (size_t i = 0; i < x.rows; ++i) {
        const float* xi = x.row(i);
        for (size_t o = 0; o < out; ++o) {
            const float* wo = w.values.data() + o * x.cols;
            double acc = bias ? b.values[o] : 0.0;
            for (size_t k = 0; k < x.cols; ++k) acc += double(xi[k]) * double(wo[k]);
            y.row(i)[o] = float(acc);
        }
    }
    return y;
}

void add_in_place(Matrix& a, const Matrix& b) {
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] += b.data[i];
}

}  // namespace vkllm::ref
