#pragma once
// `vkllm quantize`: a Hugging Face directory (llama, mistral, qwen2, qwen3
// families), a model TOML of that structure or an F32/F16/BF16 GGUF file in,
// a GGUF v3 file with block-quantized matrices out. Streamed: the input stays mapped, the header is written with
// every offset fixed in advance, then one tensor at a time is decoded,
// quantized and written.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/weight_types.h"

namespace vkllm {

// What the TYPE argument names: one block type for every matrix, or a mixed
// preset (Q4_K_M, Q5_K_M) whose rules pick a type per tensor.
struct QuantizeTarget {
    std::string name;          // as the user wrote it, lower case ("q4_k_m")
    DType base;                // type of most matrices
    bool mixed = false;        // preset with per-tensor rules
    uint32_t file_type = 0;    // general.file_type (llama.cpp's llama_ftype number)
};

// Throws InputError listing every valid name.
QuantizeTarget parse_quantize_target(const std::string& name);
std::string quantize_target_names();  // "q8_0, q4_0, ..." for help and errors

// What a tensor is, for the type rules (from its GGUF name).
struct QuantizeTensorRole {
    std::string name;             // GGUF name
    std::vector<uint64_t> shape;  // row-major
    bool output_head = false;     // output.weight, or token_embd.weight when the embeddings are tied
    int layer = -1;               // blk.N; -1 for global tensors
};

struct QuantizeChoice {
    DType type;
    std::string note;  // non-empty when a fallback replaced the rule's type
};

// The storage type of one tensor under `target` in a model of `layers` layers:
// norms, biases, routers and 1-D tensors stay F32; see quantize_types.cpp for
// the preset rules and the fallback when rows do not fill whole blocks.
QuantizeChoice choose_quantized_type(const QuantizeTarget& target, const QuantizeTensorRole& tensor,
                                     uint32_t layers, bool pure);

struct QuantizeOptions {
    std::string input, output, type;
    bool pure = false;  // every matrix in the base type (no Q6_K head / preset promotions)
    uint32_t threads = 0;  // encoder threads; 0: one per hardware thread
    // One line per note (fallbacks, skipped tokenizer) and per tensor written.
    std::function<void(const std::string&)> log;
};

struct QuantizeSummary {
    std::string architecture;
    uint64_t tensors = 0;
    uint64_t input_bytes = 0;   // of the tensors read
    uint64_t output_bytes = 0;  // file size
    std::vector<std::pair<DType, uint64_t>> tensors_by_type;
};

QuantizeSummary quantize_model(const QuantizeOptions& options);

}  // namespace vkllm
