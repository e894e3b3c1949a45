#include "common/weight_types.h"

#include <cctype>

#include "common/block_decoders.h"
#include "common/block_encoders.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

using namespace blocks;

// GGUF ids are ggml_type values; block sizes from ggml-common.h (QK_K = 256).
constexpr DTypeTraits kTable[] = {
    {DType::F32, "f32", 0, 1, 4, decode_f32, 0, {0, 0}, encode_f32},
    {DType::F16, "f16", 1, 1, 2, decode_f16, 0, {0, 0}, encode_f16},
    {DType::BF16, "bf16", 30, 1, 2, decode_bf16, 0, {0, 0}, encode_bf16},
    {DType::Q4_0, "q4_0", 2, 32, 18, decode_q4_0, 1, {0, 0}, encode_q4_0},
    {DType::Q4_1, "q4_1", 3, 32, 20, decode_q4_1, 2, {0, 2}},
    {DType::Q5_0, "q5_0", 6, 32, 22, decode_q5_0, 1, {0, 0}},
    {DType::Q5_1, "q5_1", 7, 32, 24, decode_q5_1, 2, {0, 2}},
    {DType::Q8_0, "q8_0", 8, 32, 34, decode_q8_0, 1, {0, 0}, encode_q8_0},
    {DType::Q2_K, "q2_k", 10, 256, 84, decode_q2_k, 2, {80, 82}},
    {DType::Q3_K, "q3_k", 11, 256, 110, decode_q3_k, 1, {108, 0}},
    {DType::Q4_K, "q4_k", 12, 256, 144, decode_q4_k, 2, {0, 2}, encode_q4_k},
    {DType::Q5_K, "q5_k", 13, 256, 176, decode_q5_k, 2, {0, 2}, encode_q5_k},
    {DType::Q6_K, "q6_k", 14, 256, 210, decode_q6_k, 1, {208, 0}, encode_q6_k},
    {DType::IQ4_NL, "iq4_nl", 20, 32, 18, decode_iq4_nl, 1, {0, 0}},
    {DType::IQ4_XS, "iq4_xs", 23, 256, 136, decode_iq4_xs, 1, {0, 0}},
    // Not a ggml type: the id is never looked up (device_only).
    {DType::Q8_0X8, "q8_0x8", UINT32_MAX, 256, 272, decode_q8_0x8, 8, {0, 2, 4, 6, 8, 10, 12, 14}, nullptr, true},
};

constexpr bool table_in_enum_order() {
    for (size_t i = 0; i < std::size(kTable); ++i)
        if (size_t(kTable[i].type) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "kTable rows must follow DType order");

}  // namespace

std::span<const DTypeTraits> all_dtypes() { return kTable; }

const DTypeTraits& dtype_traits(DType t) {
    const size_t i = size_t(t);
    if (i >= std::size(kTable)) throw Error("weight type " + std::to_string(i) + " is not in the type table");
    return kTable[i];
}

std::optional<DType> dtype_from_gguf(uint32_t gguf_id) {
    for (const DTypeTraits& t : kTable)
        if (t.gguf_id == gguf_id && !t.device_only) return t.type;
    return std::nullopt;
}

std::optional<DType> dtype_from_name(std::string_view name) {
    for (const DTypeTraits& t : kTable) {
        if (t.device_only) continue;
        std::string_view n = t.name;
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(name[i])) == n[i];
        if (same) return t.type;
    }
    return std::nullopt;
}

}  // namespace vkllm
