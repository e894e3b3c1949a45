#pragma once
#include "model/config.h"

namespace vkllm::ref {

// ReLU; GELU exact 0.5x(1 + erf(x / sqrt 2)); GELU tanh approximation
// 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))); SiLU x * sigmoid(x).
double activate(Activation activation, double x);

double sigmoid(double x);

}  // namespace vkllm::ref
