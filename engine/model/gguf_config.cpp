// GGUF metadata -> ModelConfig. Keys follow llama.cpp's naming:
// "<arch>.embedding_length", "<arch>.attention.head_count", ...
#include <cmath>
#include <filesystem>
#include <map>
#include <vector>

#include "model/gguf_model.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// How one llama.cpp architecture differs from the Llama defaults. Parts that a
// file may or may not have (biases, q/k norms, tied heads, MoE, embedding
// norms) are told by its tensors, not by these rules.
struct ArchRules {
    const char* name;
    bool qk_interleaved = false;  // converter permuted q/k rows (llama.cpp "normal" RoPE)
    NormType norm = NormType::RMSNorm;
    PositionEncoding position = PositionEncoding::RoPE;
    bool gated = true;
    Activation activation = Activation::SiLU;
    bool scale_embeddings = false;  // multiply embeddings by sqrt(hidden)
    BlockLayout block = BlockLayout::Sequential;
    bool renormalize_top_k = true;  // MoE default when <arch>.expert_weights_norm is absent
    ModelKind kind = ModelKind::DecoderOnly;
    // llama.cpp's sliding-window layout (set_swa_pattern): with a window, layer
    // i is global iff (i + 1) % window_pattern == 0; 0: every layer windowed.
    uint32_t window_pattern = 0;
    uint32_t default_window = 0;   // window when <arch>.attention.sliding_window is absent
    double local_theta = 0;        // RoPE base of the windowed layers (position.local_theta)
    // GGUF does not store Gemma's query_pre_attn_scalar: llama.cpp scales by
    // (hidden / heads)^-0.5 for the model of this many layers (the 27B one) and
    // by head_dim^-0.5 otherwise; <arch>.attention.scale, if written, wins.
    uint32_t hidden_per_head_scale_layers = 0;
};

ArchRules arch(const char* name) { return ArchRules{name}; }

// One row per architecture; the activation is the one the architecture's
// Hugging Face models use (GGUF does not store it). The Gemma
// converters (gemma, gemma2, gemma3) already fold the +1 of their RMSNorm into
// every stored norm weight (q/k norms included), so no unit offset is applied
// for them here. Gemma 2/3's window layout, local RoPE base and attention
// scale are llama.cpp's hard-coded ones (llama-model.cpp), not file metadata.
const std::vector<ArchRules>& architectures() {
    static const std::vector<ArchRules> all = [] {
        std::vector<ArchRules> v;
        ArchRules r = arch("llama");
        r.qk_interleaved = true;
        v.push_back(r);
        v.push_back(arch("qwen2"));
        v.push_back(arch("qwen3"));
        r = arch("qwen2moe");
        r.renormalize_top_k = false;  // Qwen2-MoE weights the top-k by their softmax share
        v.push_back(r);
        v.push_back(arch("qwen3moe"));
        v.push_back(arch("phi3"));
        r = arch("gemma");
        r.activation = Activation::GELUTanh;
        r.scale_embeddings = true;
        v.push_back(r);
        r.name = "gemma2";
        r.window_pattern = 2;
        r.default_window = 4096;
        r.hidden_per_head_scale_layers = 46;
        v.push_back(r);
        r.name = "gemma3";
        r.window_pattern = 6;
        r.default_window = 0;
        r.local_theta = 10000.0;
        r.hidden_per_head_scale_layers = 62;
        v.push_back(r);
        ArchRules plain = arch("");
        plain.norm = NormType::LayerNorm;
        plain.gated = false;
        plain.activation = Activation::GELUTanh;
        r = plain;
        r.name = "phi2";
        r.block = BlockLayout::ParallelResidual;
        v.push_back(r);
        r = plain;
        r.name = "starcoder2";
        v.push_back(r);
        r = plain;
        r.name = "gpt2";
        r.position = PositionEncoding::Learned;
        v.push_back(r);
        r = plain;
        r.name = "bloom";
        r.position = PositionEncoding::ALiBi;
        v.push_back(r);
        r = plain;
        r.name = "gptneox";
        r.activation = Activation::GELU;
        r.block = BlockLayout::ParallelResidual;  // unless gptneox.use_parallel_residual is false
        v.push_back(r);
        r = plain;
        r.name = "falcon";
        r.activation = Activation::GELU;
        r.block = BlockLayout::ParallelResidual;
        v.push_back(r);
        r = plain;
        r.name = "bert";
        r.activation = Activation::GELU;
        r.position = PositionEncoding::Learned;
        r.kind = ModelKind::EncoderOnly;
        v.push_back(r);
        return v;
    }();
    return all;
}

const ArchRules* find_rules(const std::string& name) {
    for (const ArchRules& r : architectures())
        if (name == r.name) return &r;
    return nullptr;
}

std::string supported_list() {
    std::string out;
    for (const ArchRules& r : architectures()) out += std::string(out.empty() ? "" : ", ") + r.name;
    return out;
}

class MetadataReader {
public:
    MetadataReader(const GgufFile& f, std::string arch) : f_(f), arch_(std::move(arch)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw InputError(f_.source() + ": metadata '" + key + "' " + message);
    }

    std::string key(const std::string& suffix) const { return arch_ + "." + suffix; }

    // An unsigned integer that fits uint32. Per-layer arrays are accepted when
    // every layer has the same value (the engine has one value for all layers).
    std::optional<uint32_t> u32(const std::string& suffix) const {
        const std::string k = key(suffix);
        const GgufValue* v = f_.find(k);
        if (!v) return std::nullopt;
        if (v->type == GgufType::Array) return uniform_u32(k, *v);
        return to_u32(k, *v);
    }

    uint32_t required_u32(const std::string& suffix) const {
        auto v = u32(suffix);
        if (!v) fail(key(suffix), "is missing");
        return *v;
    }

    std::optional<double> number(const std::string& suffix) const {
        const std::string k = key(suffix);
        const GgufValue* v = f_.find(k);
        if (!v) return std::nullopt;
        auto d = v->as_double();
        if (!d || !std::isfinite(*d)) fail(k, "must be a finite number (found " + describe(*v) + ")");
        return d;
    }

    std::optional<bool> flag(const std::string& suffix) const {
        const std::string k = key(suffix);
        const GgufValue* v = f_.find(k);
        if (!v) return std::nullopt;
        if (v->type != GgufType::Bool) fail(k, "must be a bool (found " + describe(*v) + ")");
        return v->bits != 0;
    }

    std::optional<std::string> string(const std::string& full_key) const {
        const GgufValue* v = f_.find(full_key);
        if (!v) return std::nullopt;
        if (v->type != GgufType::String) fail(full_key, "must be a string (found " + describe(*v) + ")");
        return std::string(v->string);
    }

private:
    static std::string describe(const GgufValue& v) { return gguf_type_name(v.type); }

    uint32_t to_u32(const std::string& k, const GgufValue& v) const {
        auto u = v.as_uint();
        if (!u) fail(k, "must be a non-negative integer (found " + describe(v) + ")");
        if (*u > UINT32_MAX) fail(k, "value " + std::to_string(*u) + " is too large");
        return uint32_t(*u);
    }

    uint32_t uniform_u32(const std::string& k, const GgufValue& v) const {
        const GgufArray& a = *v.array;
        if (a.count == 0) fail(k, "is an empty array");
        uint32_t first = to_u32(k, a.at(0));
        for (uint64_t i = 1; i < a.count; ++i)
            if (to_u32(k, a.at(i)) != first)
                fail(k, "differs between layers (" + std::to_string(first) + " vs " +
                            std::to_string(to_u32(k, a.at(i))) + " at layer " + std::to_string(i) +
                            "); per-layer sizes are not supported");
        return first;
    }

    const GgufFile& f_;
    std::string arch_;
};

void read_rope(const MetadataReader& m, ModelConfig& c) {
    c.position = PositionEncoding::RoPE;
    c.rope.style = RopeStyle::NeoX;  // after the loader restores Hugging Face row order
    if (auto theta = m.number("rope.freq_base")) c.rope.theta = *theta;
    if (auto dims = m.u32("rope.dimension_count")) {
        if (*dims == 0 || *dims > c.head_size())
            m.fail(m.key("rope.dimension_count"), "is " + std::to_string(*dims) + ", outside [1, head_dim = " +
                                                      std::to_string(c.head_size()) + "]");
        c.rope.partial_rotary_fraction = double(*dims) / double(c.head_size());
    }

    std::string type = m.string(m.key("rope.scaling.type")).value_or("none");
    auto factor = m.number("rope.scaling.factor");
    if (type == "none") {
        return;
    } else if (type == "linear") {
        c.rope.scaling = RopeScaling::Linear;
    } else if (type == "yarn") {
        c.rope.scaling = RopeScaling::YaRN;
        if (auto a = m.number("rope.scaling.attn_factor")) c.rope.attention_factor = *a;
        if (auto b = m.number("rope.scaling.yarn_beta_fast")) c.rope.beta_fast = *b;
        if (auto b = m.number("rope.scaling.yarn_beta_slow")) c.rope.beta_slow = *b;
    } else {
        m.fail(m.key("rope.scaling.type"), "is '" + type + "'; supported: 'none', 'linear', 'yarn'");
    }
    if (!factor) m.fail(m.key("rope.scaling.factor"), "is missing (needed for '" + type + "' scaling)");
    c.rope.factor = *factor;
    if (auto original = m.u32("rope.scaling.original_context_length")) c.rope.original_max_position = *original;
}

// Vocabulary size: the embedding's rows are what the model can index; the
// token list (possibly shorter) and <arch>.vocab_size are fallbacks.
uint32_t read_vocab(const GgufFile& f, const MetadataReader& m) {
    if (const GgufTensorInfo* embd = f.find_tensor("token_embd.weight")) {
        if (embd->shape.size() != 2)
            throw InputError(f.source() + ": tensor 'token_embd.weight' has " + std::to_string(embd->shape.size()) +
                             " dimensions, expected 2 ([vocab, hidden])");
        if (embd->shape[0] > UINT32_MAX)
            throw InputError(f.source() + ": tensor 'token_embd.weight' has too many rows");
        return uint32_t(embd->shape[0]);
    }
    if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens"); tokens && tokens->array &&
                                                                   tokens->array->count <= UINT32_MAX)
        return uint32_t(tokens->array->count);
    if (auto v = m.u32("vocab_size")) return *v;
    throw InputError(f.source() + ": cannot tell the vocabulary size (no token_embd.weight, tokenizer.ggml.tokens or " +
                     m.key("vocab_size") + ")");
}

// The storage type most of the matrix elements use, for ModelConfig::dtype.
std::string main_dtype(const GgufFile& f) {
    std::map<DType, double> elements;
    for (const GgufTensorInfo& t : f.tensors())
        if (t.shape.size() >= 2) {
            double n = 1;
            for (uint64_t d : t.shape) n *= double(d);
            elements[t.dtype] += n;
        }
    DType best = DType::F32;
    double most = 0;
    for (const auto& [dtype, n] : elements)
        if (n > most) best = dtype, most = n;
    return dtype_name(best);
}

bool has_tensor(const GgufFile& f, const std::string& name) { return f.find_tensor(name) != nullptr; }

// rope_freqs.weight (Llama-3.1/3.2 files): one divisor per rotary pair.
void read_rope_frequency_factors(const GgufFile& f, ModelConfig& c) {
    for (const char* name : {"rope_factors_long.weight", "rope_factors_short.weight"})
        if (has_tensor(f, name))
            throw InputError(f.source() + ": tensor '" + name +
                             "' holds LongRoPE factors (Phi-3 long context), which are not supported");
    const GgufTensorInfo* t = f.find_tensor("rope_freqs.weight");
    if (!t) return;
    const std::string where = f.source() + ": tensor 'rope_freqs.weight'";
    if (c.position != PositionEncoding::RoPE) throw InputError(where + " is present but the model does not use RoPE");
    if (t->shape.size() != 1)
        throw InputError(where + " has " + std::to_string(t->shape.size()) + " dimensions, expected 1");
    const uint32_t pairs = (uint32_t(std::llround(double(c.head_size()) * c.rope.partial_rotary_fraction)) & ~1u) / 2;
    if (t->shape[0] != pairs)  // before decoding: the count comes from the file
        throw InputError(where + ": holds " + std::to_string(t->shape[0]) +
                         " values, expected one per rotary pair (" + std::to_string(pairs) + ")");
    const std::vector<float> values = to_f32(f.view(*t));
    c.rope.frequency_factors.assign(values.begin(), values.end());
    check_rope_frequency_factors(c.rope.frequency_factors, pairs, where);
}

// Norm epsilon: RMSNorm architectures write layer_norm_rms_epsilon, LayerNorm
// ones layer_norm_epsilon.
void read_norm(const MetadataReader& m, const ArchRules& rules, const GgufFile& f, ModelConfig& c) {
    c.norm.type = rules.norm;
    const char* key = rules.norm == NormType::RMSNorm ? "attention.layer_norm_rms_epsilon"
                                                       : "attention.layer_norm_epsilon";
    if (auto eps = m.number(key)) c.norm.epsilon = *eps;
    c.norm.bias = rules.norm == NormType::LayerNorm &&
                  (has_tensor(f, "blk.0.attn_norm.bias") || has_tensor(f, "blk.0.attn_output_norm.bias"));
}

void read_moe(const MetadataReader& m, const ArchRules& rules, const GgufFile& f, ModelConfig& c) {
    auto experts = m.u32("expert_count");
    if (!experts || *experts == 0) return;
    c.moe.num_experts = *experts;
    c.moe.top_k = m.u32("expert_used_count").value_or(0);
    c.moe.renormalize_top_k = m.flag("expert_weights_norm").value_or(rules.renormalize_top_k);
    // llama.cpp's gating function ids: 1 softmax, 2 sigmoid.
    const uint32_t gating = m.u32("expert_gating_func").value_or(1);
    if (gating != 1 && gating != 2)
        m.fail(m.key("expert_gating_func"), "is " + std::to_string(gating) + "; supported: 1 (softmax), 2 (sigmoid)");
    c.moe.router = gating == 2 ? RouterType::Sigmoid : RouterType::Softmax;
    if (auto expert_ffn = m.u32("expert_feed_forward_length")) c.moe.expert_intermediate_size = *expert_ffn;
    if (has_tensor(f, "blk.0.ffn_up_shexp.weight")) {
        c.moe.shared_experts = 1;
        c.moe.shared_expert_intermediate_size = m.u32("expert_shared_feed_forward_length").value_or(0);
        c.moe.shared_expert_gate = has_tensor(f, "blk.0.ffn_gate_inp_shexp.weight");
    }
}

}  // namespace

bool gguf_architecture_supported(const std::string& arch) { return find_rules(arch) != nullptr; }

bool gguf_qk_rows_interleaved(const std::string& arch) {
    const ArchRules* r = find_rules(arch);
    return r && r->qk_interleaved;
}

ModelConfig gguf_to_config(const GgufFile& f) {
    const GgufValue* arch_value = f.find("general.architecture");
    if (!arch_value) throw InputError(f.source() + ": metadata 'general.architecture' is missing");
    if (arch_value->type != GgufType::String)
        throw InputError(f.source() + ": metadata 'general.architecture' must be a string");
    const std::string arch(arch_value->string);
    const ArchRules* rules = find_rules(arch);
    if (!rules)
        throw InputError(f.source() + ": GGUF architecture '" + arch + "' is not supported (supported: " +
                         supported_list() + ")");
    MetadataReader m(f, arch);
    if (const GgufValue* split = f.find("split.count"); split && split->as_uint().value_or(0) > 1)
        throw InputError(f.source() + ": this is one part of a GGUF split into " +
                         std::to_string(*split->as_uint()) +
                         " files; loading split files is not supported (merge them into one file first)");

    ModelConfig c;
    c.source_path = f.source();
    c.name = m.string("general.name").value_or(std::filesystem::path(f.source()).stem().string());
    c.weights = f.source();
    c.tokenizer = f.source();
    c.weight_format = "gguf";
    c.dtype = main_dtype(f);
    c.kind = rules->kind;

    c.hidden_size = m.required_u32("embedding_length");
    c.num_layers = m.required_u32("block_count");
    c.ffn.intermediate_size = m.required_u32("feed_forward_length");
    c.num_heads = m.required_u32("attention.head_count");
    if (c.num_heads == 0) m.fail(m.key("attention.head_count"), "must be > 0");
    c.num_kv_heads = m.u32("attention.head_count_kv").value_or(c.num_heads);
    auto key_length = m.u32("attention.key_length");
    auto value_length = m.u32("attention.value_length");
    if (key_length && value_length && *key_length != *value_length)
        m.fail(m.key("attention.value_length"), "differs from attention.key_length (" + std::to_string(*key_length) +
                                                    " vs " + std::to_string(*value_length) + "); not supported");
    c.head_dim = key_length.value_or(c.hidden_size / c.num_heads);
    if (auto context = m.u32("context_length")) c.max_position = *context;
    c.vocab_size = read_vocab(f, m);
    if (c.head_size() == 0) m.fail(m.key("attention.head_count"), "gives a head size of 0");

    read_norm(m, *rules, f, c);
    c.position = rules->position;
    if (rules->position == PositionEncoding::RoPE) read_rope(m, c);
    read_rope_frequency_factors(f, c);
    c.attention.sliding_window = m.u32("attention.sliding_window").value_or(rules->default_window);
    if (c.attention.sliding_window > 0) {
        c.attention.sliding_window_pattern = rules->window_pattern;
        if (c.position == PositionEncoding::RoPE) c.rope.local_theta = rules->local_theta;
    }
    if (auto cap = m.number("attn_logit_softcapping")) c.attention.logit_softcap = *cap;
    if (auto cap = m.number("final_logit_softcapping")) c.final_logit_softcap = *cap;
    if (auto scale = m.number("attention.scale")) c.attention.scale = *scale;
    else if (rules->hidden_per_head_scale_layers != 0 && c.num_layers == rules->hidden_per_head_scale_layers)
        c.attention.scale = 1.0 / std::sqrt(double(c.hidden_size / c.num_heads));
    if (rules->kind == ModelKind::EncoderOnly) {
        c.attention.causal = m.flag("attention.causal").value_or(false);
        if (c.attention.causal) m.fail(m.key("attention.causal"), "is true for an encoder; not supported");
        c.norm_before = false;  // BERT: norms after each residual add
        c.final_norm = false;
        c.tie_embeddings = true;  // an encoder has no head of its own
        // llama.cpp's pooling types: 1 mean, 2 cls (others: the mean).
        if (auto p = m.number("pooling_type"); p && *p == 2) c.pooling = Pooling::Cls;
    }
    c.block = rules->block;
    if (auto parallel = m.flag("use_parallel_residual")) c.block = *parallel ? BlockLayout::ParallelResidual
                                                                             : BlockLayout::Sequential;
    // Falcon-40B style blocks give the FFN its own norm (attn_norm_2); GPT-NeoX
    // always does (ffn_norm); Falcon-7B and Phi-2 share one.
    if (c.block == BlockLayout::ParallelResidual)
        c.parallel_shared_norm =
            !has_tensor(f, "blk.0.attn_norm_2.weight") && !has_tensor(f, "blk.0.ffn_norm.weight");

    c.ffn.gated = rules->gated;
    c.ffn.activation = rules->activation;
    c.ffn.bias = has_tensor(f, "blk.0.ffn_up.bias");
    if (rules->scale_embeddings) c.embedding_scale = std::sqrt(double(c.hidden_size));
    c.embedding_norm = has_tensor(f, "token_embd_norm.weight");
    if (const GgufTensorInfo* types = f.find_tensor("token_types.weight"); types && types->shape.size() == 2 &&
                                                                           types->shape[0] <= UINT32_MAX)
        c.type_vocab_size = uint32_t(types->shape[0]);
    if (const GgufTensorInfo* pos = f.find_tensor("position_embd.weight");
        pos && c.position == PositionEncoding::Learned && pos->shape.size() == 2 && pos->shape[0] <= UINT32_MAX)
        c.max_position = uint32_t(pos->shape[0]);  // the table's rows are the positions the model has

    // Optional parts of the block are told by the tensors that layer 0 has.
    c.attention.qkv_bias = has_tensor(f, "blk.0.attn_q.bias") || has_tensor(f, "blk.0.attn_qkv.bias");
    c.attention.out_bias = has_tensor(f, "blk.0.attn_output.bias");
    c.attention.qk_norm = has_tensor(f, "blk.0.attn_q_norm.weight");
    c.norm.post_attention = has_tensor(f, "blk.0.post_attention_norm.weight");
    c.norm.post_ffn = has_tensor(f, "blk.0.post_ffw_norm.weight");
    if (rules->kind != ModelKind::EncoderOnly) c.tie_embeddings = !has_tensor(f, "output.weight");
    c.lm_head_bias = has_tensor(f, "output.bias");

    read_moe(m, *rules, f, c);
    return c;
}

}  // namespace vkllm
