// A Hugging Face directory (or a TOML model of the same structure) as
// quantizer input: the metadata and tensor names
// llama.cpp's converter writes for the llama (Llama, Mistral), qwen2 and qwen3
// families, q/k rows of llama permuted as that converter does, and the
// tokenizer.json as tokenizer.ggml.* keys.
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "model/gguf_names.h"
#include "model/load.h"
#include "model/quantize_source.h"
#include "tokenizer/gguf_tokenizer_export.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

struct Family {
    const char* hf_architecture;
    const char* gguf_architecture;
};

const Family kFamilies[] = {
    {"LlamaForCausalLM", "llama"},
    {"MistralForCausalLM", "llama"},
    {"Qwen2ForCausalLM", "qwen2"},
    {"Qwen3ForCausalLM", "qwen3"},
};

std::string family_list() {
    std::string out;
    for (const Family& f : kFamilies) out += std::string(out.empty() ? "" : ", ") + f.hf_architecture;
    return out;
}

// The layer tensors these families have, in the order they are written; their
// GGUF names come from the loader's table (gguf_names.h).
const char* const kLayerTensors[] = {
    "attn_norm.weight", "attn.q.weight", "attn.q.bias", "attn.k.weight", "attn.k.bias",
    "attn.v.weight", "attn.v.bias", "attn.o.weight", "attn.q_norm.weight", "attn.k_norm.weight",
    "ffn_norm.weight", "ffn.gate.weight", "ffn.up.weight", "ffn.down.weight",
};

[[noreturn]] void refuse(const std::string& dir, const std::string& what) {
    throw InputError(dir + ": " + what + "; the GGUF export does not support it");
}

// What the GGUF loader reconstructs for these architectures is a pre-norm,
// RMSNorm, SwiGLU, RoPE (rotate-half) decoder; anything else would load as a
// different model, so it is refused by name.
void check_exportable(const std::string& dir, const ModelConfig& c, const std::string& arch) {
    if (c.moe.num_experts) refuse(dir, "mixture-of-experts layers (num_experts = " + std::to_string(c.moe.num_experts) + ")");
    if (c.norm.type != NormType::RMSNorm || c.norm.add_unit_offset || c.norm.bias) refuse(dir, "a norm other than plain RMSNorm");
    if (!c.norm_before || c.block != BlockLayout::Sequential) refuse(dir, "a block layout other than sequential pre-norm");
    if (c.norm.post_attention || c.norm.post_ffn) refuse(dir, "norms on the attention or FFN output");
    if (c.attention.sliding_window_pattern != 0 || c.rope.local_theta != 0)
        refuse(dir, "a sliding window or RoPE base on only some layers");
    if (c.final_logit_softcap != 0) refuse(dir, "logit soft-capping");
    if (!c.ffn.gated || c.ffn.activation != Activation::SiLU || c.ffn.bias) refuse(dir, "an FFN other than SwiGLU without bias");
    if (c.position != PositionEncoding::RoPE || c.rope.style != RopeStyle::NeoX) refuse(dir, "positions other than rotate-half RoPE");
    if (c.rope.scaling == RopeScaling::DynamicNTK) refuse(dir, "dynamic NTK RoPE scaling (GGUF has no key for it)");
    if (c.rope.scaling == RopeScaling::Llama3 && arch != "llama") refuse(dir, "Llama-3 RoPE scaling outside the llama family");
    if (c.attention.out_bias || c.attention.logit_softcap != 0 || !c.attention.causal) refuse(dir, "attention with output bias, soft-capping or no causal mask");
    if (c.attention.scale != 0 && std::fabs(c.attention.scale * std::sqrt(double(c.head_size())) - 1) > 1e-9)
        refuse(dir, "an attention scale other than 1/sqrt(head_dim)");
    if (c.attention.qk_norm && arch != "qwen3") refuse(dir, "per-head q/k norms outside the qwen3 family");
    if (c.embedding_scale != 1 || c.embedding_norm || !c.final_norm || c.lm_head_bias || c.learned_position_offset)
        refuse(dir, "embedding scaling / norm, a missing final norm or an LM-head bias");
}

void write_config(GgufWriter& w, const ModelConfig& c, const std::string& arch) {
    auto k = [&](const char* suffix) { return arch + "." + suffix; };
    w.add_string("general.architecture", arch);
    w.add_string("general.type", "model");
    w.add_string("general.name", c.name);
    w.add_u32(k("context_length"), c.max_position);
    w.add_u32(k("embedding_length"), c.hidden_size);
    w.add_u32(k("block_count"), c.num_layers);
    w.add_u32(k("feed_forward_length"), c.ffn.intermediate_size);
    w.add_u32(k("attention.head_count"), c.num_heads);
    w.add_u32(k("attention.head_count_kv"), c.kv_heads());
    w.add_u32(k("attention.key_length"), c.head_size());
    w.add_u32(k("attention.value_length"), c.head_size());
    w.add_f32(k("attention.layer_norm_rms_epsilon"), float(c.norm.epsilon));
    w.add_f32(k("rope.freq_base"), float(c.rope.theta));
    w.add_u32(k("rope.dimension_count"), uint32_t(std::lround(c.rope.partial_rotary_fraction * c.head_size())));
    if (c.rope.scaling == RopeScaling::Linear || c.rope.scaling == RopeScaling::YaRN) {
        w.add_string(k("rope.scaling.type"), c.rope.scaling == RopeScaling::Linear ? "linear" : "yarn");
        w.add_f32(k("rope.scaling.factor"), float(c.rope.factor));
        if (c.rope.original_max_position) w.add_u32(k("rope.scaling.original_context_length"), c.rope.original_max_position);
        if (c.rope.scaling == RopeScaling::YaRN) {
            if (c.rope.attention_factor) w.add_f32(k("rope.scaling.attn_factor"), float(c.rope.attention_factor));
            w.add_f32(k("rope.scaling.yarn_beta_fast"), float(c.rope.beta_fast));
            w.add_f32(k("rope.scaling.yarn_beta_slow"), float(c.rope.beta_slow));
        }
    }
    if (c.attention.sliding_window) w.add_u32(k("attention.sliding_window"), c.attention.sliding_window);
    w.add_u32(k("vocab_size"), c.vocab_size);
}

// Llama-3 RoPE scaling as llama.cpp's converter writes it: no scaling keys, a
// tensor rope_freqs.weight with one divisor per rotary pair (1 for short
// wavelengths, the scaling factor for long ones, a smooth blend between).
std::vector<float> llama3_frequency_factors(const RopeConfig& rope, uint32_t dims) {
    constexpr double kPi = 3.14159265358979323846;
    const double context = rope.original_max_position;
    const double low_freq_wavelen = context / rope.low_freq_factor;
    const double high_freq_wavelen = context / rope.high_freq_factor;
    std::vector<float> factors(dims / 2);
    for (uint32_t i = 0; i < dims / 2; ++i) {
        const double wavelen = 2.0 * kPi * std::pow(rope.theta, double(2 * i) / double(dims));
        if (wavelen < high_freq_wavelen) {
            factors[i] = 1.0f;
        } else if (wavelen > low_freq_wavelen) {
            factors[i] = float(rope.factor);
        } else {
            const double smooth = (context / wavelen - rope.low_freq_factor) / (rope.high_freq_factor - rope.low_freq_factor);
            factors[i] = float(1.0 / ((1.0 - smooth) / rope.factor + smooth));
        }
    }
    return factors;
}

void write_tokenizer(GgufWriter& w, const tokenizer::GgufTokenizerMetadata& m) {
    w.add_string("tokenizer.ggml.model", m.model);
    w.add_string("tokenizer.ggml.pre", m.pre);
    w.add_strings("tokenizer.ggml.tokens", m.tokens);
    w.add_i32s("tokenizer.ggml.token_type", m.token_types);
    if (!m.scores.empty()) w.add_f32s("tokenizer.ggml.scores", m.scores);
    w.add_strings("tokenizer.ggml.merges", m.merges);
    if (m.bos_id) w.add_u32("tokenizer.ggml.bos_token_id", uint32_t(*m.bos_id));
    if (m.eos_id) w.add_u32("tokenizer.ggml.eos_token_id", uint32_t(*m.eos_id));
    if (m.add_bos) w.add_bool("tokenizer.ggml.add_bos_token", *m.add_bos);
    if (m.add_eos) w.add_bool("tokenizer.ggml.add_eos_token", *m.add_eos);
}

// llama.cpp's converter stores Hugging Face row h*d + p*d/2 + j at row
// h*d + 2*j + p (p in {0, 1}); GGUF row r therefore comes from this HF row.
uint64_t interleaved_source_row(uint64_t r, uint64_t d) {
    const uint64_t h = r / d, w = r % d;
    return h * d + (w % 2) * (d / 2) + w / 2;
}

}  // namespace

QuantizeSource quantize_source_from_hf(const std::string& dir, const QuantizeLog& log) {
    auto model = std::make_shared<LoadedModel>(load_model(dir));
    const ModelConfig& c = model->config;
    std::string arch;
    for (const Family& f : kFamilies)
        if (c.hf_architecture == f.hf_architecture) arch = f.gguf_architecture;
    if (c.hf_architecture.empty()) {
        // A TOML model (make-model output, hand-written configs) names no
        // family: the structure picks the GGUF architecture that loads it.
        arch = c.attention.qk_norm ? "qwen3" : c.attention.qkv_bias ? "qwen2" : "llama";
    } else if (arch.empty()) {
        throw InputError(dir + ": Hugging Face architecture '" + c.hf_architecture +
                         "' has no GGUF export (supported: " + family_list() + ")");
    }
    check_exportable(dir, c, arch);

    QuantizeSource s;
    s.keep_alive = model;
    s.architecture = arch;
    s.layers = c.num_layers;
    std::map<std::string, bool> used;
    for (const std::string& name : model->weights.names()) used[name] = false;
    auto add = [&](const std::string& logical, const std::string& gguf, int layer, uint64_t permute_heads) {
        const TensorView* v = model->weights.find(logical);
        if (!v) return;
        used[logical] = true;
        QuantizeSourceTensor t;
        t.role.name = gguf;
        t.role.shape = v->shape;
        t.role.layer = layer;
        t.role.output_head = gguf == "output.weight" || (c.tie_embeddings && gguf == "token_embd.weight");
        t.source_dtype = v->dtype;
        t.source_bytes = v->bytes;
        std::function<uint64_t(uint64_t)> source_row;
        if (permute_heads) {
            const uint64_t rows = v->shape.empty() ? 0 : v->shape[0];
            if (rows % permute_heads || (rows / permute_heads) % 2)
                throw InputError(dir + ": tensor '" + logical + "' has " + std::to_string(rows) +
                                 " rows, which do not split into " + std::to_string(permute_heads) + " heads of even size");
            const uint64_t d = rows / permute_heads;
            source_row = [d](uint64_t r) { return interleaved_source_row(r, d); };
        }
        t.read_row = view_row_reader(*v, source_row);  // a bias permutes value by value
        s.tensors.push_back(std::move(t));
    };
    const bool interleave = arch == "llama";
    add("token_embd.weight", "token_embd.weight", -1, 0);
    for (uint32_t i = 0; i < c.num_layers; ++i)
        for (const char* logical : kLayerTensors) {
            const std::string name(logical);
            const char* gguf = gguf_layer_suffix(name);
            uint64_t heads = 0;
            if (interleave && name.rfind("attn.q.", 0) == 0) heads = c.num_heads;
            if (interleave && name.rfind("attn.k.", 0) == 0 && name != "attn.k_norm.weight") heads = c.kv_heads();
            add("layers." + std::to_string(i) + "." + name, "blk." + std::to_string(i) + "." + gguf, int(i), heads);
        }
    add("output_norm.weight", "output_norm.weight", -1, 0);
    if (c.rope.scaling == RopeScaling::Llama3) {
        const uint32_t dims = uint32_t(std::llround(double(c.head_size()) * c.rope.partial_rotary_fraction)) & ~1u;
        auto factors = std::make_shared<std::vector<float>>(llama3_frequency_factors(c.rope, dims));
        QuantizeSourceTensor t;
        t.role.name = "rope_freqs.weight";
        t.role.shape = {factors->size()};
        t.role.layer = -1;
        t.source_dtype = DType::F32;
        t.source_bytes = factors->size() * 4;
        t.read_row = [factors](uint64_t row, float* out) { *out = (*factors)[row]; };
        s.tensors.push_back(std::move(t));
    }
    if (!c.tie_embeddings) add("lm_head.weight", "output.weight", -1, 0);
    for (const auto& [name, was_used] : used)
        if (!was_used) throw InputError(dir + ": tensor '" + name + "' has no GGUF name in the export for " + arch);

    std::optional<tokenizer::GgufTokenizerMetadata> tok;
    if (c.tokenizer.empty()) {
        if (log) log("note: " + dir + " has no tokenizer.json; the GGUF file holds no tokenizer metadata");
    } else {
        std::string why;
        tok = tokenizer::gguf_metadata_from_tokenizer_json(c.tokenizer, c.vocab_size, why);
        if (!tok && log) log("note: " + c.tokenizer + ": " + why + "; the GGUF file holds no tokenizer metadata");
    }
    s.write_metadata = [model, arch, tok](GgufWriter& w) {
        write_config(w, model->config, arch);
        if (tok) write_tokenizer(w, *tok);
    };
    return s;
}

}  // namespace vkllm
