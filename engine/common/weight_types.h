#pragma once
// The one table of weight element types: plain floats and the GGUF block
// formats (layouts as published in ggml-common.h, QK_K = 256 super-blocks).
// The GGUF reader, the weight checks, the GPU uploader, `info` and the kernels'
// variant choice all read this table; adding a format means a row here, its
// CPU decoder (block_decoders.cpp), its CPU encoder where
// `vkllm quantize` writes it (block_encoders.cpp) and its GLSL decoder (shaders/common/blocks/).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vkllm {

enum class DType : uint8_t {
    F32,
    F16,
    BF16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    IQ4_NL,
    IQ4_XS,
    // Device-only layout (never in a file): eight Q8_0 blocks regrouped as
    // their eight f16 scales then their 256 codes, 272 bytes = 17 16-byte
    // units, so that every load of codes is an aligned 16-byte load
    // (plan/gpu_weights.cpp regroups Q8_0 matrices whose rows hold whole groups).
    Q8_0X8,
};

// Decodes `blocks` whole blocks starting at `src` into block_values * blocks floats.
using BlockDecoder = void (*)(const uint8_t* src, uint64_t blocks, float* out);
// Encodes block_values * blocks floats into `blocks` whole blocks (`vkllm quantize`).
using BlockEncoder = void (*)(const float* src, uint64_t blocks, uint8_t* out);

struct DTypeTraits {
    DType type;
    const char* name;        // lower case, as `info` and the CLI print it ("q4_k")
    uint32_t gguf_id;        // ggml_type value in GGUF tensor infos
    uint32_t block_values;   // values per block (1 for plain floats)
    uint32_t block_bytes;    // bytes per block
    BlockDecoder decode;     // CPU decoder
    // Byte offsets of the block's f16 scales (0 to 8 of them), for the
    // non-finite weight check and the kernel tests' random blocks; plain
    // float types list none.
    uint8_t scale_count;
    uint8_t scale_offsets[8];
    BlockEncoder encode = nullptr;  // CPU encoder (common/block_encoders.cpp); nullptr: none
    // A layout the engine makes on the device from a stored one: no file type
    // maps to it (dtype_from_gguf) and no config or file may name it.
    bool device_only = false;
};

// Every row of the table, in DType order.
std::span<const DTypeTraits> all_dtypes();
const DTypeTraits& dtype_traits(DType t);
std::optional<DType> dtype_from_gguf(uint32_t gguf_id);  // file types only (never device_only)
std::optional<DType> dtype_from_name(std::string_view name);  // case-insensitive, file types only
inline bool dtype_is_block(DType t) { return dtype_traits(t).block_values > 1; }

}  // namespace vkllm
