#pragma once
// Element types and read-only views of tensors stored in weight files.
// Contract shared by the safetensors and GGUF readers, the CPU reference and
// (later) the GPU weight upload.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/weight_types.h"

namespace vkllm {

const char* dtype_name(DType t);
// Shorthands over the type table (common/weight_types.h).
// Elements per storage block (1 for plain float types) and bytes per block.
size_t dtype_block_elements(DType t);
size_t dtype_block_bytes(DType t);
// Bytes needed for `elements` values; throws InputError when `elements` is not a
// multiple of the block size.
size_t dtype_storage_bytes(DType t, uint64_t elements);

struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    // Row-major, outermost first, as PyTorch writes them ([out, in] for a
    // linear weight). GGUF readers reverse GGUF's innermost-first order.
    std::vector<uint64_t> shape;
    const uint8_t* data = nullptr;  // points into a mapped file
    size_t bytes = 0;

    uint64_t elements() const;
};

// Decode any supported dtype to float32 (CPU side; used by the reference and tests).
void dequantize_to_f32(const TensorView& t, float* out);
std::vector<float> to_f32(const TensorView& t);

}  // namespace vkllm
