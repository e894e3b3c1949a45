#include "reference/norms.h"

#include <cmath>

namespace vkllm::ref {

void rms_norm_row(float* x, size_t n, const float* weight, double epsilon, bool unit_offset) {
    double sum_sq = 0.0;
    for (size_t i = 0; i < n; ++i) sum_sq += double(x[i]) * double(x[i]);
    const double inv_rms = 1.0 / std::sqrt(sum_sq / double(n) + epsilon);
    for (size_t i = 0; i < n; ++i) {
        const double w = unit_offset ? 1.0 + double(weight[i]) : double(weight[i]);
        x[i] = float(double(x[i]) * inv_rms * w);
    }
}

void layer_norm_row(float* x, size_t n, const float* weight, const float* bias, double epsilon) {
    double mean = 0.0;
    for (size_t i = 0; i < n; ++i) mean += x[i];
    mean /= double(n);
    double var = 0.0;
    for (size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
    const double inv_std = 1.0 / std::sqrt(var / double(n) + epsilon);
    for (size_t i = 0; i < n; ++i) {
        double y = (double(x[i]) - mean) * inv_std * double(weight[i]);
        if (bias) y += double(bias[i]);
        x[i] = float(y);
    }
}

void apply_norm(const NormConfig& norm, Matrix& x, const ModelWeights& weights, const std::string& prefix) {
    const Weight w = load_weight(weights, prefix + ".weight", {x.cols});
    Weight b;
    if (norm.type == NormType::LayerNorm && norm.bias) b = load_weight(weights, prefix + ".bias", {x.cols});
    for (size_t r = 0; r < x.rows; ++r) {
        if (norm.type == NormType::RMSNorm)
            rms_norm_row(x.row(r), x.cols, w.values.data(), norm.epsilon, norm.add_unit_offset);
        else
            layer_norm_row(x.row(r), x.cols, w.values.data(), b.values.empty() ? nullptr : b.values.data(),
                           norm.epsilon);
    }
}

}  // namespace vkllm::ref
