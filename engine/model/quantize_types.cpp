// Which storage type each tensor gets under a `vkllm quantize` target.
#include <cctype>

#include "model/quantize.h"
#include "model/tensor.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// general.file_type numbers are llama.cpp's llama_ftype values. A plain Q4_K
// or Q5_K file is labelled as the "small" preset of that type (Q4_K_S = 14,
// Q5_K_S = 16), the closest llama_ftype.
const QuantizeTarget kTargets[] = {
    {"f32", DType::F32, false, 0},    {"f16", DType::F16, false, 1},      {"bf16", DType::BF16, false, 32},
    {"q8_0", DType::Q8_0, false, 7},  {"q4_0", DType::Q4_0, false, 2},    {"q4_k", DType::Q4_K, false, 14},
    {"q5_k", DType::Q5_K, false, 16}, {"q6_k", DType::Q6_K, false, 18},   {"q4_k_m", DType::Q4_K, true, 15},
    {"q5_k_m", DType::Q5_K, true, 17},
};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_suffix(const QuantizeTensorRole& t, const char* suffix) {
    return t.layer >= 0 && ends_with(t.name, std::string(".") + suffix);
}

// llama.cpp's layer choice for the presets' extra bits: the first and last
// eighth of the layers, and every third layer in between.
bool use_more_bits(int layer, int layers) {
    return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

}  // namespace

std::string quantize_target_names() {
    std::string out;
    for (const QuantizeTarget& t : kTargets) out += std::string(out.empty() ? "" : ", ") + t.name;
    return out;
}

QuantizeTarget parse_quantize_target(const std::string& name) {
    std::string lower;
    for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
    for (const QuantizeTarget& t : kTargets)
        if (t.name == lower) return t;
    throw InputError("unknown quantization type '" + name + "' (valid: " + quantize_target_names() + ")");
}

// Rules, following llama.cpp's llama-quantize (llama_tensor_get_type):
//  - norms, biases, the MoE router (ffn_gate_inp), rope_freqs and every 1-D
//    tensor stay F32;
//  - the output head (output.weight, or token_embd.weight when the embeddings
//    are tied and it doubles as the head) is Q6_K for every block type coarser
//    than Q6_K except Q8_0;
//  - Q4_K_M and Q5_K_M also store attn_v.weight and ffn_down.weight in Q6_K in
//    the layers where use_more_bits(layer, layers) holds (first and last
//    eighth, and every third layer in between); all other matrices use the
//    base type (Q4_K resp. Q5_K);
//  - `pure` turns the head and preset promotions off;
//  - a matrix whose rows do not fill whole blocks of the chosen type falls
//    back to Q8_0 (rows a multiple of 32) or else F16, with a note.
QuantizeChoice choose_quantized_type(const QuantizeTarget& target, const QuantizeTensorRole& t, uint32_t layers,
                                     bool pure) {
    const bool keep_f32 = t.shape.size() < 2 || ends_with(t.name, ".bias") ||
                          t.name.find("_norm") != std::string::npos || t.name.find("ffn_gate_inp") != std::string::npos ||
                          t.name.rfind("rope_freqs", 0) == 0;
    if (keep_f32) return {DType::F32, ""};
    DType type = target.base;
    const bool coarse = dtype_is_block(type) && type != DType::Q8_0 && type != DType::Q6_K;
    if (!pure && coarse && t.output_head) type = DType::Q6_K;
    if (!pure && target.mixed && (is_suffix(t, "attn_v.weight") || is_suffix(t, "ffn_down.weight")) &&
        use_more_bits(t.layer, int(layers)))
        type = DType::Q6_K;

    const uint64_t cols = t.shape.back();
    if (cols % dtype_block_elements(type) == 0) return {type, ""};
    const DType fallback = cols % dtype_block_elements(DType::Q8_0) == 0 ? DType::Q8_0 : DType::F16;
    return {fallback, "tensor '" + t.name + "': rows of " + std::to_string(cols) + " values are not a multiple of the " +
                          dtype_name(type) + " block (" + std::to_string(dtype_block_elements(type)) + "); stored as " +
                          dtype_name(fallback)};
}

}  // namespace vkllm
