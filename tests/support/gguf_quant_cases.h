#pragma once
// The quantized GGUF fixtures (tests/data/gguf-quant/README.md): one row per
// (case, preset) file, read by the CPU reference test (tests/model/
// gguf_quant_test.cpp) and the GPU test (tests/forward/gguf_quant_forward_test.cpp).
// The CPU reference decodes every row; `gpu` says whether the GPU keeps every
// block type of the file as stored (its kernels decode the blocks). Rows
// without it are left out of the GPU test: the uploader would widen their
// blocks to f32 on the host, which is not the path this test is for.
#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::test {

struct GgufQuantCase {
    const char* name;  // folder under tests/data/gguf-quant
    const char* type;  // llama-quantize preset: model-<type>.gguf, reference_logits_<type>.bin
    bool gpu;
};

inline constexpr GgufQuantCase kGgufQuantCases[] = {
    {"llama3", "Q8_0", true},
    {"llama3", "Q4_0", false},
    {"llama3", "Q4_1", false},
    {"llama3", "Q5_0", false},
    {"llama3", "Q5_1", false},
    {"llama3", "Q2_K", false},
    {"llama3", "Q3_K_M", false},
    {"llama3", "Q4_K_M", false},
    {"llama3", "Q5_K_M", false},
    {"llama3", "Q6_K", false},
    {"llama3", "IQ4_NL", false},
    {"llama3", "IQ4_XS", false},
    {"qwen2", "Q4_K_M", false},
    {"mixtral", "Q4_K_M", false},
    {"qwen3moe", "Q4_K_M", false},
};

// One fixture file with what the tests compare it against.
struct GgufQuantFixture {
    std::string model_path;
    std::vector<int32_t> input_ids;
    std::vector<float> expected;     // reference_logits_<type>.bin, [positions, vocab]
    std::vector<float> unquantized;  // reference_logits_unquantized_fp32.bin
};

GgufQuantFixture load_gguf_quant_fixture(const GgufQuantCase& c);

// ||a - b|| / ||b|| over rows [row * cols, (row + 1) * cols), or over everything when cols == 0.
double relative_error(const std::vector<float>& a, const std::vector<float>& b, size_t row = 0, size_t cols = 0);
// ||a - b|| over everything.
double distance(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace vkllm::test
