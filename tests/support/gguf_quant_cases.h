#pragma once
// The quantized GGUF fixtures (tests/data/gguf-quant/README.md): one row per
// (case, preset) file, read by the CPU reference test (tests/model/
// gguf_quant_test.cpp) and the GPU test (tests/forward/gguf_quant_forward_test.cpp).
// `cpu` / `gpu` say whether that path decodes every block type the file holds;
// a row that is off checks instead that the path refuses the file by type name.
#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::test {

struct GgufQuantCase {
    const char* name;  // folder under tests/data/gguf-quant
    const char* type;  // llama-quantize preset: model-<type>.gguf, reference_logits_<type>.bin
    bool cpu;
    bool gpu;
};

inline constexpr GgufQuantCase kGgufQuantCases[] = {
    {"llama3", "Q8_0", true, true},
    {"llama3", "Q4_0", false, false},
    {"llama3", "Q4_1", false, false},
    {"llama3", "Q5_0", false, false},
    {"llama3", "Q5_1", false, false},
    {"llama3", "Q2_K", false, false},
    {"llama3", "Q3_K_M", false, false},
    {"llama3", "Q4_K_M", false, false},
    {"llama3", "Q5_K_M", false, false},
    {"llama3", "Q6_K", false, false},
    {"llama3", "IQ4_NL", false, false},
    {"llama3", "IQ4_XS", false, false},
    {"qwen2", "Q4_K_M", false, false},
    {"mixtral", "Q4_K_M", false, false},
    {"qwen3moe", "Q4_K_M", false, false},
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
