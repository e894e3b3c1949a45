// GGUF tensors -> logical names (model/weights.h). Most tensors become views
// into the mapped file; q/k of llama-style files are copied with their rows put
// back in Hugging Face order; fused tensors (attn_qkv as [q | k | v] rows,
// Phi-3's ffn_up as [gate | up] rows) and stacked expert tensors are split into
// views of their row ranges.
#include <cstring>
#include <map>

#include "model/gguf_model.h"
#include "model/gguf_names.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// Post-norm encoders (BERT): the norm after attention + residual and the one
// after the FFN + residual.
const std::map<std::string, std::string, std::less<>> kEncoderLayerNames = {
    {"attn_output_norm.weight", "attn_norm.weight"},
    {"attn_output_norm.bias", "attn_norm.bias"},
    {"layer_output_norm.weight", "ffn_norm.weight"},
    {"layer_output_norm.bias", "ffn_norm.bias"},
};

// Stacked routed experts: [experts, rows, cols], one logical tensor per expert.
const std::map<std::string, std::string, std::less<>> kExpertNames = {
    {"ffn_gate_exps.weight", "gate.weight"},
    {"ffn_up_exps.weight", "up.weight"},
    {"ffn_down_exps.weight", "down.weight"},
};

const std::map<std::string, std::string, std::less<>> kGlobalNames = {
    {"token_embd.weight", "token_embd.weight"},
    {"output_norm.weight", "output_norm.weight"},
    {"output_norm.bias", "output_norm.bias"},
    {"output.weight", "lm_head.weight"},
    {"output.bias", "lm_head.bias"},
    {"position_embd.weight", "pos_embd.weight"},
    {"token_types.weight", "token_type_embd.weight"},
    {"token_embd_norm.weight", "embd_norm.weight"},
    {"token_embd_norm.bias", "embd_norm.bias"},
};

class WeightMapper {
public:
    WeightMapper(const GgufFile& f, const ModelConfig& c, ModelWeights& out)
        : f_(f), c_(c), out_(out), interleaved_(gguf_qk_rows_interleaved(arch(f))) {}

    void map(const GgufTensorInfo& t) {
        if (auto it = kGlobalNames.find(t.name); it != kGlobalNames.end()) return add(t, it->second, f_.view(t));
        if (t.name == "rope_freqs.weight") return;  // read into the config (RopeConfig::frequency_factors)
        if (t.name.rfind("blk.", 0) == 0) return map_layer(t);
        fail(t, "is not a tensor this engine knows for architecture '" + arch(f_) + "'");
    }

private:
    static std::string arch(const GgufFile& f) {
        const GgufValue* v = f.find("general.architecture");
        return v && v->type == GgufType::String ? std::string(v->string) : std::string();
    }

    [[noreturn]] void fail(const GgufTensorInfo& t, const std::string& message) const {
        throw InputError(f_.source() + ": tensor '" + t.name + "' " + message);
    }

    void add(const GgufTensorInfo& t, const std::string& logical, TensorView view) {
        if (out_.has(logical)) fail(t, "gives '" + logical + "' a second time");
        out_.add_view(logical, std::move(view));
    }

    // Logical suffix of a one-to-one layer tensor, or null when this model has no such tensor.
    const std::string* layer_name(const std::string& suffix) const {
        if (c_.kind == ModelKind::EncoderOnly)
            if (auto it = kEncoderLayerNames.find(suffix); it != kEncoderLayerNames.end()) return &it->second;
        if (suffix.rfind("attn_norm_2.", 0) == 0 && c_.block != BlockLayout::ParallelResidual) return nullptr;
        return gguf_layer_logical(suffix);
    }

    // Rows [first, first + count) of a 1-D or 2-D tensor, as a view. A row must
    // hold whole blocks (a 1-D tensor's rows are single values, so only plain
    // float types split); rows are then contiguous in every dtype.
    TensorView rows(const GgufTensorInfo& t, const TensorView& v, uint64_t first, uint64_t count) const {
        const uint64_t row_values = v.shape.size() == 2 ? v.shape[1] : 1;
        if (row_values == 0 || row_values % dtype_block_elements(v.dtype) != 0)
            fail(t, "has rows that do not fill whole " + std::string(dtype_name(v.dtype)) + " blocks");
        const size_t row_bytes = dtype_storage_bytes(v.dtype, row_values);
        TensorView out = v;
        out.shape[0] = count;
        out.data = v.data + first * row_bytes;
        out.bytes = count * row_bytes;
        return out;
    }

    // attn_qkv: [q heads | k heads | v heads] rows (the converters put GPT-2's,
    // BLOOM's, GPT-NeoX's and Falcon's fused tensors in this order).
    void split_qkv(const GgufTensorInfo& t, const std::string& prefix, const std::string& kind) {
        if (interleaved_)
            fail(t, "is a fused QKV in a '" + arch(f_) + "' file, whose q/k rows llama.cpp permutes; not supported");
        TensorView view = f_.view(t);
        const uint64_t d = c_.head_size(), q = uint64_t(c_.num_heads) * d, kv = uint64_t(c_.kv_heads()) * d;
        if (view.shape.empty() || view.shape.size() > 2 || view.shape[0] != q + 2 * kv)
            fail(t, "must have (head_count + 2 * head_count_kv) * head_dim = " + std::to_string(q + 2 * kv) +
                        " rows [q | k | v]");
        add(t, prefix + "attn.q." + kind, rows(t, view, 0, q));
        add(t, prefix + "attn.k." + kind, rows(t, view, q, kv));
        add(t, prefix + "attn.v." + kind, rows(t, view, q + kv, kv));
    }

    // A gated FFN stored without ffn_gate holds [gate | up] rows in ffn_up (Phi-3).
    void split_gate_up(const GgufTensorInfo& t, const std::string& prefix) {
        TensorView view = f_.view(t);
        const uint64_t n = c_.ffn.intermediate_size;
        if (view.shape.size() != 2 || n == 0 || view.shape[0] != 2 * n)
            fail(t, "has no ffn_gate beside it, so it must hold [gate | up] in 2 * feed_forward_length = " +
                        std::to_string(2 * n) + " rows");
        add(t, prefix + "ffn.gate.weight", rows(t, view, 0, n));
        add(t, prefix + "ffn.up.weight", rows(t, view, n, n));
    }

    void map_layer(const GgufTensorInfo& t) {
        // "blk.<N>.<suffix>" with N a plain decimal layer index.
        size_t dot = t.name.find('.', 4);
        std::string index = t.name.substr(4, dot == std::string::npos ? std::string::npos : dot - 4);
        if (dot == std::string::npos || index.empty() || index.size() > 9 ||
            index.find_first_not_of("0123456789") != std::string::npos)
            fail(t, "does not have the form blk.<layer>.<name>");
        uint32_t layer = uint32_t(std::stoul(index));
        if (layer >= c_.num_layers)
            fail(t, "belongs to layer " + index + " but the model has " + std::to_string(c_.num_layers) + " layers");
        const std::string prefix = "layers." + std::to_string(layer) + ".";
        const std::string suffix = t.name.substr(dot + 1);

        if (auto it = kExpertNames.find(suffix); it != kExpertNames.end())
            return split_experts(t, prefix + "moe.experts.", it->second);
        if (suffix == "attn_qkv.weight" || suffix == "attn_qkv.bias")
            return split_qkv(t, prefix, suffix.substr(suffix.find('.') + 1));
        if (suffix == "ffn_up.weight" && c_.ffn.gated && c_.moe.num_experts == 0 &&
            !f_.find_tensor("blk." + index + ".ffn_gate.weight"))
            return split_gate_up(t, prefix);
        const std::string* name = layer_name(suffix);
        if (!name) fail(t, "is not a tensor this engine knows for architecture '" + arch(f_) + "'");
        const std::string logical = prefix + *name;
        TensorView view = f_.view(t);
        if (suffix == "ffn_gate_inp_shexp.weight") view.shape = {1, view.shape.empty() ? 1 : view.shape.back()};
        if (interleaved_ && (suffix == "attn_q.weight" || suffix == "attn_q.bias"))
            return restore_rope_rows(t, view, logical, c_.num_heads);
        if (interleaved_ && (suffix == "attn_k.weight" || suffix == "attn_k.bias"))
            return restore_rope_rows(t, view, logical, c_.kv_heads());
        add(t, logical, std::move(view));
    }

    // llama.cpp's converter stores row h*d + 2*j + p (p in {0, 1}, j < d/2) for
    // Hugging Face row h*d + p*d/2 + j, so that rotary pairs sit side by side.
    // Rows are contiguous in every supported dtype (quantization blocks run
    // along a row), so whole rows move without decoding anything.
    void restore_rope_rows(const GgufTensorInfo& t, const TensorView& view, const std::string& logical,
                           uint32_t heads) {
        if (view.shape.empty() || view.shape.size() > 2) fail(t, "must have 1 or 2 dimensions");
        const uint64_t rows = view.shape[0];
        const uint64_t cols = view.shape.size() == 2 ? view.shape[1] : 1;
        if (heads == 0 || rows % heads != 0 || (rows / heads) % 2 != 0)
            fail(t, "has " + std::to_string(rows) + " rows, which do not split into " + std::to_string(heads) +
                        " heads of an even size");
        if (cols % dtype_block_elements(view.dtype) != 0)
            fail(t, "has rows that do not fill whole " + std::string(dtype_name(view.dtype)) + " blocks");
        if (cols == 0) fail(t, "has rows of no values");
        const size_t row_bytes = dtype_storage_bytes(view.dtype, cols);
        const uint64_t d = rows / heads, half = d / 2;
        std::vector<uint8_t> bytes(size_t(rows) * row_bytes);
        for (uint64_t h = 0; h < heads; ++h)
            for (uint64_t p = 0; p < 2; ++p)
                for (uint64_t j = 0; j < half; ++j) {
                    const uint64_t from = h * d + 2 * j + p;
                    const uint64_t to = h * d + p * half + j;
                    std::memcpy(bytes.data() + to * row_bytes, view.data + from * row_bytes, row_bytes);
                }
        if (out_.has(logical)) fail(t, "gives '" + logical + "' a second time");
        out_.add_owned(logical, view.dtype, view.shape, std::move(bytes), t.name);
    }

    void split_experts(const GgufTensorInfo& t, const std::string& prefix, const std::string& part) {
        TensorView view = f_.view(t);
        if (view.shape.size() != 3) fail(t, "must have 3 dimensions [experts, rows, cols]");
        const uint64_t experts = view.shape[0];
        if (experts != c_.moe.num_experts)
            fail(t, "holds " + std::to_string(experts) + " experts but the metadata says " +
                        std::to_string(c_.moe.num_experts));
        const size_t expert_bytes = dtype_storage_bytes(view.dtype, view.shape[1] * view.shape[2]);
        for (uint64_t e = 0; e < experts; ++e) {
            TensorView one = view;
            one.shape = {view.shape[1], view.shape[2]};
            one.data = view.data + e * expert_bytes;
            one.bytes = expert_bytes;
            add(t, prefix + std::to_string(e) + "." + part, std::move(one));
        }
    }

    const GgufFile& f_;
    const ModelConfig& c_;
    ModelWeights& out_;
    bool interleaved_;
};

}  // namespace

ModelWeights gguf_to_weights(const GgufFile& file, const ModelConfig& config) {
    ModelWeights weights;
    weights.source = file.source();
    if (file.mapped_file()) weights.keep_file(file.mapped_file());
    WeightMapper mapper(file, config, weights);
    for (const GgufTensorInfo& t : file.tensors()) mapper.map(t);
    return weights;
}

}  // namespace vkllm
