#pragma once
// Row-major float matrix of activations ([tokens, features]) and the linear
// layer y = x W^T + b with float64 accumulation.
#include <cstddef>
#include <string>
#include <vector>

#include "model/weights.h"

namespace vkllm::ref {

struct Matrix {
    size_t rows = 0, cols = 0;
    std::vector<float> data;

    Matrix() = default;
    Matrix(size_t r, size_t c) : rows(r), cols(c), data(r * c, 0.0f) {}
    float* row(size_t i) { return data.data() + i * cols; }
    const float* row(size_t i) const { return data.data() + i * cols; }
};

// A weight decoded to float32, with its shape checked.
struct Weight {
    std::vector<uint64_t> shape;
    std::vector<float> values;
};
Weight load_weight(const ModelWeights& weights, const std::string& name);
// Throws InputError unless the tensor has exactly `shape`.
Weight load_weight(const ModelWeights& weights, const std::string& name, const std::vector<uint64_t>& shape);

// x [n, in] times `prefix`.weight [out, in] (+ `prefix`.bias [out] when `bias`).
Matrix linear(const Matrix& x, const ModelWeights& weights, const std::string& prefix, size_t out, bool bias);

void add_in_place(Matrix& a, const Matrix& b);

}  // namespace vkllm::ref
