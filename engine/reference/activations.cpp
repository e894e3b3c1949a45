#include "reference/activations.h"

#include <cmath>

namespace vkllm::ref {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double activate(Activation activation, double x) {
    switch (activation) {
        case Activation::ReLU: return x > 0.0 ? x : 0.0;
        case Activation::GELU: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        case Activation::GELUTanh: {
            const double k = std::sqrt(2.0 / 3.14159265358979323846);
            return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
        }
        case Activation::SiLU: return x * sigmoid(x);
    }
    return x;
}

}  // namespace vkllm::ref
