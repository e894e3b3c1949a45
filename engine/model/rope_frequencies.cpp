#include "model/rope_frequencies.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "vkllm/error.h"

namespace vkllm {

uint32_t rotary_dims(const ModelConfig& config) {
    const uint32_t dims = uint32_t(double(config.head_size()) * config.rope.partial_rotary_fraction);
    return dims & ~1u;
}

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<double> default_frequencies(double theta, uint32_t dims) {
    std::vector<double> inv(dims / 2);
    for (uint32_t i = 0; i < dims / 2; ++i) inv[i] = 1.0 / std::pow(theta, double(2 * i) / double(dims));
    return inv;
}

// Dim index at which a frequency completes `rotations` turns over `context` positions.
double yarn_correction_dim(double rotations, uint32_t dims, double theta, double context) {
    return double(dims) * std::log(context / (rotations * 2.0 * kPi)) / (2.0 * std::log(theta));
}

std::vector<double> yarn_frequencies(const RopeConfig& rope, uint32_t dims) {
    const double context = rope.original_max_position;
    double low = std::floor(yarn_correction_dim(rope.beta_fast, dims, rope.theta, context));
    double high = std::ceil(yarn_correction_dim(rope.beta_slow, dims, rope.theta, context));
    low = std::max(low, 0.0);
    high = std::min(high, double(dims - 1));
    if (low == high) high += 0.001;  // avoid a zero-width ramp
    std::vector<double> inv = default_frequencies(rope.theta, dims);
    for (uint32_t i = 0; i < dims / 2; ++i) {
        const double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
        const double extrapolate = 1.0 - ramp;  // share of the unscaled frequency
        inv[i] = inv[i] / rope.factor * (1.0 - extrapolate) + inv[i] * extrapolate;
    }
    return inv;
}

std::vector<double> llama3_frequencies(const RopeConfig& rope, uint32_t dims) {
    const double context = rope.original_max_position;
    const double low_freq_wavelen = context / rope.low_freq_factor;
    const double high_freq_wavelen = context / rope.high_freq_factor;
    std::vector<double> inv = default_frequencies(rope.theta, dims);
    for (double& f : inv) {
        const double wavelen = 2.0 * kPi / f;
        if (wavelen > low_freq_wavelen) {
            f /= rope.factor;
        } else if (wavelen >= high_freq_wavelen) {
            const double smooth =
                (context / wavelen - rope.low_freq_factor) / (rope.high_freq_factor - rope.low_freq_factor);
            f = (1.0 - smooth) * f / rope.factor + smooth * f;
        }
    }
    return inv;
}

}  // namespace

namespace {

std::vector<double> scaled_frequencies(const RopeConfig& rope, uint32_t dims, uint32_t seq_len) {
    switch (rope.scaling) {
        case RopeScaling::None:
            return default_frequencies(rope.theta, dims);
        case RopeScaling::Linear: {
            std::vector<double> inv = default_frequencies(rope.theta, dims);
            for (double& f : inv) f /= rope.factor;
            return inv;
        }
        case RopeScaling::DynamicNTK: {
            const double context = rope.original_max_position;
            if (context == 0) throw InputError("dynamic NTK RoPE needs original_max_position");
            double theta = rope.theta;
            if (seq_len > context && dims > 2)
                theta *= std::pow(rope.factor * double(seq_len) / context - (rope.factor - 1.0),
                                  double(dims) / double(dims - 2));
            return default_frequencies(theta, dims);
        }
        case RopeScaling::YaRN:
            if (rope.original_max_position == 0) throw InputError("YaRN RoPE needs original_max_position");
            return yarn_frequencies(rope, dims);
        case RopeScaling::Llama3:
            if (rope.original_max_position == 0) throw InputError("Llama-3 RoPE needs original_max_position");
            return llama3_frequencies(rope, dims);
    }
    return default_frequencies(rope.theta, dims);
}

}  // namespace

std::vector<double> rope_inverse_frequencies(const RopeConfig& rope, uint32_t dims, uint32_t seq_len) {
    std::vector<double> inv = scaled_frequencies(rope, dims, seq_len);
    if (rope.frequency_factors.empty()) return inv;
    if (rope.frequency_factors.size() != inv.size())
        throw InputError("RoPE: " + std::to_string(rope.frequency_factors.size()) +
                         " frequency factors for " + std::to_string(inv.size()) + " rotary pairs");
    for (size_t i = 0; i < inv.size(); ++i) inv[i] /= rope.frequency_factors[i];
    return inv;
}

double rope_attention_factor(const RopeConfig& rope) {
    if (rope.scaling != RopeScaling::YaRN) return 1.0;
    if (rope.attention_factor != 0.0) return rope.attention_factor;
    return rope.factor <= 1.0 ? 1.0 : 0.1 * std::log(rope.factor) + 1.0;
}

}  // namespace vkllm
