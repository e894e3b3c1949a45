#pragma once
// The quantized GGUF fixtures (tests/data/gguf-quant/README.md): one row per
// (case, preset) file, read by the CPU reference test (tests/model/
// gguf_quant_test.cpp) and the GPU test (tests/forward/gguf_quant_forward_test.cpp).
// Both decode every row; the GPU keeps every block as stored (its kernels
// decode the blocks).
#include <cstdint>
#include <string>
#include <vector>

#include "support/logit_compare.h"

namespace vkllm::test {

struct GgufQuantCase {
    const char* name;  // folder under tests/data/gguf-quant
    const char* type;  // llama-quantize preset: model-<type>.gguf, reference_logits_<type>.bin
};

inline constexpr GgufQuantCase kGgufQuantCases[] = {
    {"llama3", "Q8_0"},
    {"llama3", "Q4_0"},
    {"llama3", "Q4_1"},
    {"llama3", "Q5_0"},
    {"llama3", "Q5_1"},
    {"llama3", "Q2_K"},
    {"llama3", "Q3_K_M"},
    {"llama3", "Q4_K_M"},
    {"llama3", "Q5_K_M"},
    {"llama3", "Q6_K"},
    {"llama3", "IQ4_NL"},
    {"llama3", "IQ4_XS"},
    {"qwen2", "Q4_K_M"},
    {"mixtral", "Q4_K_M"},
    {"qwen3moe", "Q4_K_M"},
};

// One fixture file with what the tests compare it against.
struct GgufQuantFixture {
    std::string model_path;
    std::vector<int32_t> input_ids;
    std::vector<float> expected;     // reference_logits_<type>.bin, [positions, vocab]
    std::vector<float> unquantized;  // reference_logits_unquantized_fp32.bin
};

GgufQuantFixture load_gguf_quant_fixture(const GgufQuantCase& c);


}  // namespace vkllm::test
