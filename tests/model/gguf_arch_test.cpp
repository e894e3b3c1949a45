// GGUF architectures without a llama.cpp-made fixture. Each test writes a
// Hugging Face fixture's weights (tests/data/hf) into an F32 GGUF laid out the
// way llama.cpp's convert_hf_to_gguf.py lays that family out (tensor names,
// permuted q/k rows, fused and reordered QKV, stacked experts, transposed Conv1D
// weights, Gemma's folded +1, metadata keys), loads it as any GGUF, and checks
// the CPU reference against the logits transformers computed for the fixture.
// The layouts here are written forwards, as the converter does, from its
// documented behaviour; the loader has to undo them on its own.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/gguf_test_builder.h"
#include "model/load.h"
#include "model/safetensors.h"
#include "reference/reference.h"
#include "support/fixture_files.h"
#include "support/logit_compare.h"
#include "vkllm/error.h"

using namespace vkllm;
using vkllm::test::GgufBytes;

namespace {

// A row-major float tensor, outermost dimension first.
struct Tensor {
    std::vector<uint64_t> shape;
    std::vector<float> values;

    uint64_t rows() const { return shape[0]; }
    uint64_t row_size() const { return values.size() / shape[0]; }
};

// The Hugging Face fixture being converted.
class HfFixture {
public:
    explicit HfFixture(const std::string& name)
        : dir_(std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name),
          checkpoint_(open_safetensors_checkpoint(dir_)),
          config_(nlohmann::json::parse(std::ifstream(dir_ + "/config.json"))),
          reference_(nlohmann::json::parse(std::ifstream(dir_ + "/reference.json"))) {}

    bool has(const std::string& name) const { return checkpoint_.find(name) != nullptr; }
    Tensor get(const std::string& name) const {
        const TensorView* t = checkpoint_.find(name);
        REQUIRE_MESSAGE(t, "fixture tensor " << name);
        return {t->shape, to_f32(*t)};
    }
    const nlohmann::json& config() const { return config_; }
    uint32_t u32(const char* key) const { return config_.at(key).get<uint32_t>(); }
    double number(const char* key) const { return config_.at(key).get<double>(); }
    double rope_theta() const { return config_.at("rope_parameters").at("rope_theta").get<double>(); }
    std::vector<int32_t> input_ids() const { return reference_["input"]["input_ids"].get<std::vector<int32_t>>(); }
    std::vector<float> expected() const {
        return vkllm::test::read_f32_file(dir_ + "/" + reference_["output"]["file"].get<std::string>());
    }

private:
    std::string dir_;
    SafetensorsCheckpoint checkpoint_;
    nlohmann::json config_, reference_;
};

// The GGUF being written: metadata and F32 tensors, in insertion order.
class GgufWriter {
public:
    explicit GgufWriter(std::string arch) : arch_(std::move(arch)) { str("general.architecture", arch_); }

    const std::string& arch() const { return arch_; }
    void u32(const std::string& key, uint32_t v) { kvs_.push_back([=](GgufBytes& b) { b.kv_u32(key, v); }); }
    void f32(const std::string& key, double v) { kvs_.push_back([=](GgufBytes& b) { b.kv_f32(key, float(v)); }); }
    void flag(const std::string& key, bool v) { kvs_.push_back([=](GgufBytes& b) { b.kv_bool(key, v); }); }
    void str(const std::string& key, const std::string& v) { kvs_.push_back([=](GgufBytes& b) { b.kv_str(key, v); }); }
    // "<arch>.<suffix>" keys.
    void arch_u32(const std::string& suffix, uint32_t v) { u32(arch_ + "." + suffix, v); }
    void arch_f32(const std::string& suffix, double v) { f32(arch_ + "." + suffix, v); }
    void tensor(const std::string& name, Tensor t) { tensors_.emplace_back(name, std::move(t)); }

    // Writes GGUF v3 (alignment 32) and returns the path.
    std::string write(const std::string& file_name) const {
        GgufBytes b;
        b.header(3, tensors_.size(), kvs_.size());
        for (const auto& kv : kvs_) kv(b);
        uint64_t offset = 0;
        for (const auto& [name, t] : tensors_) {
            std::vector<uint64_t> ne(t.shape.rbegin(), t.shape.rend());  // GGUF: innermost first
            b.tensor_info(name, ne, 0, offset);
            offset += (t.values.size() * 4 + 31) / 32 * 32;
        }
        b.pad_to(32);
        for (const auto& [name, t] : tensors_) {
            b.raw(t.values.data(), t.values.size() * 4);
            b.pad_to(32);
        }
        const std::string path = (std::filesystem::temp_directory_path() / file_name).string();
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(b.bytes.data()), std::streamsize(b.bytes.size()));
        REQUIRE(out.good());
        return path;
    }

private:
    std::string arch_;
    std::vector<std::function<void(GgufBytes&)>> kvs_;
    std::vector<std::pair<std::string, Tensor>> tensors_;
};

// --- the converter's tensor rearrangements, written forwards ---

// Rows taken in the order `from[i]` (each a row index of `t`).
Tensor gather_rows(const Tensor& t, const std::vector<uint64_t>& from) {
    Tensor out{t.shape, {}};
    const uint64_t n = t.row_size();
    for (uint64_t r : from) out.values.insert(out.values.end(), t.values.begin() + r * n, t.values.begin() + (r + 1) * n);
    return out;
}

// llama.cpp's Q/K permutation: GGUF row h*d + 2j + p holds HF row h*d + p*d/2 + j.
Tensor permute_qk(const Tensor& t, uint64_t heads) {
    const uint64_t d = t.rows() / heads, half = d / 2;
    std::vector<uint64_t> from(t.rows());
    for (uint64_t h = 0; h < heads; ++h)
        for (uint64_t j = 0; j < half; ++j)
            for (uint64_t p = 0; p < 2; ++p) from[h * d + 2 * j + p] = h * d + p * half + j;
    return gather_rows(t, from);
}

// BLOOM / GPT-NeoX: per-head [heads, 3, d] rows become [3, heads, d].
Tensor per_head_qkv_to_contiguous(const Tensor& t, uint64_t heads) {
    const uint64_t d = t.rows() / (3 * heads);
    std::vector<uint64_t> from;
    for (uint64_t k = 0; k < 3; ++k)
        for (uint64_t h = 0; h < heads; ++h)
            for (uint64_t i = 0; i < d; ++i) from.push_back((h * 3 + k) * d + i);
    return gather_rows(t, from);
}

// Falcon: kv groups [q of the group..., k, v] become [all q | all k | all v].
Tensor grouped_qkv_to_contiguous(const Tensor& t, uint64_t heads, uint64_t kv_heads) {
    const uint64_t per_group = heads / kv_heads, d = t.rows() / (heads + 2 * kv_heads);
    std::vector<uint64_t> from;
    for (uint64_t g = 0; g < kv_heads; ++g)
        for (uint64_t h = 0; h < per_group; ++h)
            for (uint64_t i = 0; i < d; ++i) from.push_back((g * (per_group + 2) + h) * d + i);
    for (uint64_t part = 0; part < 2; ++part)
        for (uint64_t g = 0; g < kv_heads; ++g)
            for (uint64_t i = 0; i < d; ++i) from.push_back((g * (per_group + 2) + per_group + part) * d + i);
    return gather_rows(t, from);
}

Tensor transpose(const Tensor& t) {
    const uint64_t rows = t.shape[0], cols = t.shape[1];
    Tensor out{{cols, rows}, std::vector<float>(t.values.size())};
    for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t c = 0; c < cols; ++c) out.values[c * rows + r] = t.values[r * cols + c];
    return out;
}

Tensor concat_rows(const std::vector<Tensor>& parts) {
    Tensor out{parts[0].shape, {}};
    out.shape[0] = 0;
    for (const Tensor& p : parts) {
        out.shape[0] += p.rows();
        out.values.insert(out.values.end(), p.values.begin(), p.values.end());
    }
    return out;
}

Tensor stack(const std::vector<Tensor>& parts) {
    Tensor out = concat_rows(parts);
    out.shape = {parts.size(), parts[0].shape[0], parts[0].shape[1]};
    return out;
}

Tensor plus_one(Tensor t) {
    for (float& v : t.values) v += 1.0f;
    return t;
}

// Copies HF tensor `hf` (.weight and .bias where present) to GGUF `gguf`.
void copy(const HfFixture& hf, GgufWriter& g, const std::string& hf_stem, const std::string& gguf_stem,
          const std::function<Tensor(Tensor)>& change = nullptr) {
    bool any = false;
    for (const char* suffix : {".weight", ".bias"}) {
        if (!hf.has(hf_stem + suffix)) continue;
        Tensor t = hf.get(hf_stem + suffix);
        g.tensor(gguf_stem + suffix, change ? change(std::move(t)) : std::move(t));
        any = true;
    }
    REQUIRE_MESSAGE(any, "fixture has no " << hf_stem);
}

std::string blk(uint32_t i, const char* name) { return "blk." + std::to_string(i) + "." + name; }

// --- one writer per converter family ---

// Llama, Mixtral (llama with experts), Qwen2-MoE, Qwen3-MoE, Gemma: model.layers.*.
void write_llama_like(const HfFixture& hf, GgufWriter& g) {
    const std::string arch = g.arch();
    const bool llama = arch == "llama", gemma = arch == "gemma";
    const uint32_t layers = hf.u32("num_hidden_layers"), heads = hf.u32("num_attention_heads");
    const uint32_t kv = hf.config().value("num_key_value_heads", heads);
    g.arch_u32("block_count", layers);
    g.arch_u32("context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("embedding_length", hf.u32("hidden_size"));
    g.arch_u32("feed_forward_length", hf.u32("intermediate_size"));
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", kv);
    g.arch_f32("rope.freq_base", hf.rope_theta());
    g.arch_f32("attention.layer_norm_rms_epsilon", hf.number("rms_norm_eps"));
    const auto& head_dim = hf.config()["head_dim"];
    if (head_dim.is_number()) {
        g.arch_u32("attention.key_length", head_dim.get<uint32_t>());
        g.arch_u32("attention.value_length", head_dim.get<uint32_t>());
    }
    const bool mixtral = hf.config().contains("num_local_experts") && llama;
    const char* experts_key = hf.config().contains("num_local_experts") ? "num_local_experts" : "num_experts";
    const bool moe = hf.config().contains(experts_key);
    if (moe) {
        g.arch_u32("expert_count", hf.u32(experts_key));
        g.arch_u32("expert_used_count", hf.u32("num_experts_per_tok"));
        if (!mixtral) g.arch_u32("expert_feed_forward_length", hf.u32("moe_intermediate_size"));
        if (hf.config().contains("shared_expert_intermediate_size"))
            g.arch_u32("expert_shared_feed_forward_length", hf.u32("shared_expert_intermediate_size"));
    }
    const auto norm = [&](Tensor t) { return gemma ? plus_one(std::move(t)) : t; };
    const auto q_rows = [&](Tensor t) { return llama ? permute_qk(t, heads) : t; };
    const auto k_rows = [&](Tensor t) { return llama ? permute_qk(t, kv) : t; };

    copy(hf, g, "model.embed_tokens", "token_embd");
    copy(hf, g, "model.norm", "output_norm", norm);
    if (hf.has("lm_head.weight") && !gemma) copy(hf, g, "lm_head", "output");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"), norm);
        copy(hf, g, p + "self_attn.q_proj", blk(i, "attn_q"), q_rows);
        copy(hf, g, p + "self_attn.k_proj", blk(i, "attn_k"), k_rows);
        copy(hf, g, p + "self_attn.v_proj", blk(i, "attn_v"));
        copy(hf, g, p + "self_attn.o_proj", blk(i, "attn_output"));
        if (hf.has(p + "self_attn.q_norm.weight")) {
            copy(hf, g, p + "self_attn.q_norm", blk(i, "attn_q_norm"));
            copy(hf, g, p + "self_attn.k_norm", blk(i, "attn_k_norm"));
        }
        copy(hf, g, p + "post_attention_layernorm", blk(i, "ffn_norm"), norm);
        if (!moe) {
            copy(hf, g, p + "mlp.gate_proj", blk(i, "ffn_gate"));
            copy(hf, g, p + "mlp.up_proj", blk(i, "ffn_up"));
            copy(hf, g, p + "mlp.down_proj", blk(i, "ffn_down"));
            continue;
        }
        const std::string moe_prefix = mixtral ? p + "block_sparse_moe." : p + "mlp.";
        copy(hf, g, moe_prefix + "gate", blk(i, "ffn_gate_inp"));
        const std::vector<std::pair<const char*, const char*>> parts =
            mixtral ? std::vector<std::pair<const char*, const char*>>{{"w1", "ffn_gate_exps"},
                                                                        {"w3", "ffn_up_exps"},
                                                                        {"w2", "ffn_down_exps"}}
                    : std::vector<std::pair<const char*, const char*>>{{"gate_proj", "ffn_gate_exps"},
                                                                        {"up_proj", "ffn_up_exps"},
                                                                        {"down_proj", "ffn_down_exps"}};
        for (const auto& [hf_name, gguf_name] : parts) {
            std::vector<Tensor> experts;
            for (uint32_t e = 0; e < hf.u32(experts_key); ++e)
                experts.push_back(hf.get(moe_prefix + "experts." + std::to_string(e) + "." + hf_name + ".weight"));
            g.tensor(blk(i, gguf_name) + ".weight", stack(experts));
        }
        if (hf.has(p + "mlp.shared_expert.up_proj.weight")) {
            copy(hf, g, p + "mlp.shared_expert.gate_proj", blk(i, "ffn_gate_shexp"));
            copy(hf, g, p + "mlp.shared_expert.up_proj", blk(i, "ffn_up_shexp"));
            copy(hf, g, p + "mlp.shared_expert.down_proj", blk(i, "ffn_down_shexp"));
            copy(hf, g, p + "mlp.shared_expert_gate", blk(i, "ffn_gate_inp_shexp"));
        }
    }
}

// Phi-3: a Llama-shaped block with fused qkv_proj [q | k | v] and gate_up_proj
// [gate | up], which the converter stores as attn_qkv and ffn_up unchanged.
// transformers' Phi3 computes exactly Llama's math on those weights (RMSNorm,
// rotate-half RoPE, SwiGLU, no biases), so a Llama fixture fused this way must
// give that fixture's logits.
void write_phi3_from_llama(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("num_hidden_layers"), heads = hf.u32("num_attention_heads");
    const uint32_t hidden = hf.u32("hidden_size");
    g.arch_u32("block_count", layers);
    g.arch_u32("context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("rope.scaling.original_context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", hf.u32("intermediate_size"));
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", hf.u32("num_key_value_heads"));
    g.arch_f32("attention.layer_norm_rms_epsilon", hf.number("rms_norm_eps"));
    g.arch_u32("rope.dimension_count", hidden / heads);
    g.arch_f32("rope.freq_base", hf.rope_theta());
    g.arch_u32("attention.sliding_window", 0);
    copy(hf, g, "model.embed_tokens", "token_embd");
    copy(hf, g, "model.norm", "output_norm");
    copy(hf, g, "lm_head", "output");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"));
        g.tensor(blk(i, "attn_qkv.weight"), concat_rows({hf.get(p + "self_attn.q_proj.weight"),
                                                         hf.get(p + "self_attn.k_proj.weight"),
                                                         hf.get(p + "self_attn.v_proj.weight")}));
        copy(hf, g, p + "self_attn.o_proj", blk(i, "attn_output"));
        copy(hf, g, p + "post_attention_layernorm", blk(i, "ffn_norm"));
        g.tensor(blk(i, "ffn_up.weight"),
                 concat_rows({hf.get(p + "mlp.gate_proj.weight"), hf.get(p + "mlp.up_proj.weight")}));
        copy(hf, g, p + "mlp.down_proj", blk(i, "ffn_down"));
    }
}

// GPT-2: Conv1D weights transposed to [out, in]; c_attn is already [q | k | v].
void write_gpt2(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("n_layer"), hidden = hf.u32("n_embd");
    g.arch_u32("block_count", layers);
    g.arch_u32("context_length", hf.u32("n_positions"));
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", 4 * hidden);
    g.arch_u32("attention.head_count", hf.u32("n_head"));
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_epsilon"));
    copy(hf, g, "transformer.wte", "token_embd");
    copy(hf, g, "transformer.wpe", "position_embd");
    copy(hf, g, "transformer.ln_f", "output_norm");
    const auto conv1d = [](Tensor t) { return t.shape.size() == 2 ? transpose(t) : t; };
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        copy(hf, g, p + "ln_1", blk(i, "attn_norm"));
        copy(hf, g, p + "attn.c_attn", blk(i, "attn_qkv"), conv1d);
        copy(hf, g, p + "attn.c_proj", blk(i, "attn_output"), conv1d);
        copy(hf, g, p + "ln_2", blk(i, "ffn_norm"));
        copy(hf, g, p + "mlp.c_fc", blk(i, "ffn_up"), conv1d);
        copy(hf, g, p + "mlp.c_proj", blk(i, "ffn_down"), conv1d);
    }
}

// BLOOM: per-head QKV reordered to [q | k | v]; the head is the embedding,
// which the converter writes a second time as output.weight.
void write_bloom(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("n_layer"), hidden = hf.u32("hidden_size"), heads = hf.u32("n_head");
    g.arch_u32("context_length", hidden);  // the converter's fallback when config.json has no seq_length
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", 4 * hidden);
    g.arch_u32("block_count", layers);
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", heads);
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_epsilon"));
    copy(hf, g, "transformer.word_embeddings", "token_embd");
    copy(hf, g, "transformer.word_embeddings_layernorm", "token_embd_norm");
    copy(hf, g, "transformer.word_embeddings", "output");
    copy(hf, g, "transformer.ln_f", "output_norm");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"));
        copy(hf, g, p + "self_attention.query_key_value", blk(i, "attn_qkv"),
             [&](Tensor t) { return per_head_qkv_to_contiguous(t, heads); });
        copy(hf, g, p + "self_attention.dense", blk(i, "attn_output"));
        copy(hf, g, p + "post_attention_layernorm", blk(i, "ffn_norm"));
        copy(hf, g, p + "mlp.dense_h_to_4h", blk(i, "ffn_up"));
        copy(hf, g, p + "mlp.dense_4h_to_h", blk(i, "ffn_down"));
    }
}

// GPT-NeoX: per-head QKV reordered to [q | k | v], parallel residual flag.
void write_gptneox(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("num_hidden_layers"), hidden = hf.u32("hidden_size");
    const uint32_t heads = hf.u32("num_attention_heads");
    const double rotary = hf.config()["rope_parameters"].value("partial_rotary_factor", 1.0);
    g.arch_u32("context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("block_count", layers);
    g.arch_u32("feed_forward_length", hf.u32("intermediate_size"));
    g.arch_u32("rope.dimension_count", uint32_t(rotary * (hidden / heads)));
    g.arch_u32("attention.head_count", heads);
    g.flag("gptneox.use_parallel_residual", hf.config().value("use_parallel_residual", true));
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_eps"));
    copy(hf, g, "gpt_neox.embed_in", "token_embd");
    copy(hf, g, "gpt_neox.final_layer_norm", "output_norm");
    copy(hf, g, "embed_out", "output");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"));
        copy(hf, g, p + "attention.query_key_value", blk(i, "attn_qkv"),
             [&](Tensor t) { return per_head_qkv_to_contiguous(t, heads); });
        copy(hf, g, p + "attention.dense", blk(i, "attn_output"));
        copy(hf, g, p + "post_attention_layernorm", blk(i, "ffn_norm"));
        copy(hf, g, p + "mlp.dense_h_to_4h", blk(i, "ffn_up"));
        copy(hf, g, p + "mlp.dense_4h_to_h", blk(i, "ffn_down"));
    }
}

// Falcon (7B style: one norm feeding attention and MLP in parallel): grouped
// QKV reordered to [q | k | v]. With multi_query and no new decoder
// architecture the model has one kv head, which is what a Falcon-7B config
// tells the converter (no num_kv_heads / n_head_kv: 1).
void write_falcon(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("num_hidden_layers"), hidden = hf.u32("hidden_size");
    const uint32_t heads = hf.u32("num_attention_heads"), kv = 1;
    g.arch_u32("context_length", 2048);
    g.str("falcon.tensor_data_layout", "jploski");
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", 4 * hidden);
    g.arch_u32("block_count", layers);
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", kv);
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_epsilon"));
    copy(hf, g, "transformer.word_embeddings", "token_embd");
    copy(hf, g, "transformer.ln_f", "output_norm");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"));
        copy(hf, g, p + "self_attention.query_key_value", blk(i, "attn_qkv"),
             [&](Tensor t) { return grouped_qkv_to_contiguous(t, heads, kv); });
        copy(hf, g, p + "self_attention.dense", blk(i, "attn_output"));
        copy(hf, g, p + "mlp.dense_h_to_4h", blk(i, "ffn_up"));
        copy(hf, g, p + "mlp.dense_4h_to_h", blk(i, "ffn_down"));
    }
}

// Phi-2 (PhiForCausalLM): separate q/k/v, one shared norm, output bias.
void write_phi2(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("num_hidden_layers"), hidden = hf.u32("hidden_size");
    const uint32_t heads = hf.u32("num_attention_heads");
    const double rotary = hf.number("partial_rotary_factor");
    g.arch_u32("context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", 4 * hidden);
    g.arch_u32("block_count", layers);
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", heads);
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_eps"));
    g.arch_u32("rope.dimension_count", uint32_t(rotary * hidden) / heads);
    copy(hf, g, "model.embed_tokens", "token_embd");
    copy(hf, g, "model.final_layernorm", "output_norm");
    copy(hf, g, "lm_head", "output");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        copy(hf, g, p + "input_layernorm", blk(i, "attn_norm"));
        copy(hf, g, p + "self_attn.q_proj", blk(i, "attn_q"));
        copy(hf, g, p + "self_attn.k_proj", blk(i, "attn_k"));
        copy(hf, g, p + "self_attn.v_proj", blk(i, "attn_v"));
        copy(hf, g, p + "self_attn.dense", blk(i, "attn_output"));
        copy(hf, g, p + "mlp.fc1", blk(i, "ffn_up"));
        copy(hf, g, p + "mlp.fc2", blk(i, "ffn_down"));
    }
}

// BERT: post-norm encoder, token-type and position tables, no head.
void write_bert(const HfFixture& hf, GgufWriter& g) {
    const uint32_t layers = hf.u32("num_hidden_layers"), heads = hf.u32("num_attention_heads");
    g.arch_u32("context_length", hf.u32("max_position_embeddings"));
    g.arch_u32("embedding_length", hf.u32("hidden_size"));
    g.arch_u32("feed_forward_length", hf.u32("intermediate_size"));
    g.arch_u32("block_count", layers);
    g.arch_u32("attention.head_count", heads);
    g.arch_f32("attention.layer_norm_epsilon", hf.number("layer_norm_eps"));
    g.flag("bert.attention.causal", false);
    g.u32("tokenizer.ggml.token_type_count", hf.u32("type_vocab_size"));
    copy(hf, g, "embeddings.word_embeddings", "token_embd");
    copy(hf, g, "embeddings.token_type_embeddings", "token_types");
    copy(hf, g, "embeddings.position_embeddings", "position_embd");
    copy(hf, g, "embeddings.LayerNorm", "token_embd_norm");
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "encoder.layer." + std::to_string(i) + ".";
        copy(hf, g, p + "attention.self.query", blk(i, "attn_q"));
        copy(hf, g, p + "attention.self.key", blk(i, "attn_k"));
        copy(hf, g, p + "attention.self.value", blk(i, "attn_v"));
        copy(hf, g, p + "attention.output.dense", blk(i, "attn_output"));
        copy(hf, g, p + "attention.output.LayerNorm", blk(i, "attn_output_norm"));
        copy(hf, g, p + "intermediate.dense", blk(i, "ffn_up"));
        copy(hf, g, p + "output.dense", blk(i, "ffn_down"));
        copy(hf, g, p + "output.LayerNorm", blk(i, "layer_output_norm"));
    }
}

struct Case {
    const char* fixture;
    const char* arch;
    void (*write)(const HfFixture&, GgufWriter&);
};

// Loads the written GGUF like any other and compares with transformers. Both
// sides are fp32 on the same weights, so the HF reference test's tolerances
// apply (1e-4 absolute, 1e-5 relative; the fixtures' noise is ~4e-6).
void check(const Case& c) {
    CAPTURE(c.fixture);
    CAPTURE(c.arch);
    const HfFixture hf(c.fixture);
    GgufWriter g(c.arch);
    g.str("general.name", c.fixture);
    c.write(hf, g);
    const std::string path = g.write(std::string("vkllm-gguf-arch-") + c.arch + "-" + c.fixture + ".gguf");
    const LoadedModel m = load_model(path);
    CHECK(m.config.weight_format == "gguf");
    const std::vector<int32_t> tokens = hf.input_ids();
    const std::vector<int32_t> types(m.config.type_vocab_size ? tokens.size() : 0, 0);
    const std::vector<float> out = reference_forward(m.config, m.weights, tokens, types);
    const std::vector<float> expected = hf.expected();
    REQUIRE(out.size() == expected.size());
    const double max_abs = vkllm::test::max_abs_error(out, expected);
    const double rel = vkllm::test::relative_error(out, expected);
    CAPTURE(max_abs);
    CAPTURE(rel);
    CHECK(max_abs <= 1e-4);
    CHECK(rel <= 1e-5);
    std::filesystem::remove(path);
}

}  // namespace

#define GGUF_ARCH_CASE(fixture, arch, writer) \
    TEST_CASE("gguf architecture " arch " (converter layout of " fixture ") matches transformers") { \
        check({fixture, arch, writer});                                                                  \
    }

GGUF_ARCH_CASE("llama_gqa", "llama", write_llama_like)
GGUF_ARCH_CASE("mixtral_moe", "llama", write_llama_like)
GGUF_ARCH_CASE("qwen2_moe", "qwen2moe", write_llama_like)
GGUF_ARCH_CASE("qwen3_moe", "qwen3moe", write_llama_like)
GGUF_ARCH_CASE("gemma_geglu", "gemma", write_llama_like)
GGUF_ARCH_CASE("llama_gqa", "phi3", write_phi3_from_llama)
GGUF_ARCH_CASE("phi_partial_rope", "phi2", write_phi2)
GGUF_ARCH_CASE("gpt2_abs", "gpt2", write_gpt2)
GGUF_ARCH_CASE("bloom_alibi", "bloom", write_bloom)
GGUF_ARCH_CASE("gpt_neox_parallel", "gptneox", write_gptneox)
GGUF_ARCH_CASE("falcon_mqa", "falcon", write_falcon)
GGUF_ARCH_CASE("bert_encoder", "bert", write_bert)

TEST_CASE("gguf architectures: an unknown one is refused by name with the supported list") {
    GgufWriter g("mamba");
    g.arch_u32("block_count", 1);
    const std::string path = g.write("vkllm-gguf-arch-mamba.gguf");
    try {
        load_model(path);
        FAIL("mamba loaded");
    } catch (const InputError& e) {
        const std::string message = e.what();
        CHECK(message.find("'mamba' is not supported") != std::string::npos);
        CHECK(message.find("gemma3") != std::string::npos);
        CHECK(message.find("qwen3moe") != std::string::npos);
        CHECK(message.find("bert") != std::string::npos);
    }
    std::filesystem::remove(path);
}

// StarCoder2 has no fixture with reference outputs (its math, sequential
// LayerNorm blocks with biases, a GELU MLP and rotate-half RoPE, is covered by
// the fixtures above); this checks what its GGUF maps to: the config the
// architecture implies and every tensor under its logical name, unchanged.
TEST_CASE("gguf architecture starcoder2 maps to a sequential LayerNorm RoPE model") {
    const HfFixture hf("gpt2_abs");  // source of weights of the right shapes only
    GgufWriter g("starcoder2");
    const uint32_t hidden = 64, heads = 4;
    g.arch_u32("block_count", 2);
    g.arch_u32("context_length", 128);
    g.arch_u32("embedding_length", hidden);
    g.arch_u32("feed_forward_length", 4 * hidden);
    g.arch_u32("attention.head_count", heads);
    g.arch_u32("attention.head_count_kv", heads);
    g.arch_f32("rope.freq_base", 100000.0);
    g.arch_f32("attention.layer_norm_epsilon", 1e-5);
    std::map<std::string, Tensor> written;
    const auto put = [&](const std::string& name, Tensor t) {
        written[name] = t;
        g.tensor(name, std::move(t));
    };
    put("token_embd.weight", hf.get("transformer.wte.weight"));
    put("output_norm.weight", hf.get("transformer.ln_f.weight"));
    put("output_norm.bias", hf.get("transformer.ln_f.bias"));
    for (uint32_t i = 0; i < 2; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        const Tensor qkv = transpose(hf.get(p + "attn.c_attn.weight")), qkv_bias = hf.get(p + "attn.c_attn.bias");
        for (uint64_t part = 0; part < 3; ++part) {
            const char* name = part == 0 ? "attn_q" : part == 1 ? "attn_k" : "attn_v";
            std::vector<uint64_t> rows;
            for (uint64_t r = 0; r < hidden; ++r) rows.push_back(part * hidden + r);
            Tensor w = gather_rows(qkv, rows), b = gather_rows(qkv_bias, rows);
            w.shape[0] = b.shape[0] = hidden;
            put(blk(i, name) + ".weight", w);
            put(blk(i, name) + ".bias", b);
        }
        put(blk(i, "attn_norm.weight"), hf.get(p + "ln_1.weight"));
        put(blk(i, "attn_norm.bias"), hf.get(p + "ln_1.bias"));
        put(blk(i, "attn_output.weight"), transpose(hf.get(p + "attn.c_proj.weight")));
        put(blk(i, "attn_output.bias"), hf.get(p + "attn.c_proj.bias"));
        put(blk(i, "ffn_norm.weight"), hf.get(p + "ln_2.weight"));
        put(blk(i, "ffn_norm.bias"), hf.get(p + "ln_2.bias"));
        put(blk(i, "ffn_up.weight"), transpose(hf.get(p + "mlp.c_fc.weight")));
        put(blk(i, "ffn_up.bias"), hf.get(p + "mlp.c_fc.bias"));
        put(blk(i, "ffn_down.weight"), transpose(hf.get(p + "mlp.c_proj.weight")));
        put(blk(i, "ffn_down.bias"), hf.get(p + "mlp.c_proj.bias"));
    }
    const std::string path = g.write("vkllm-gguf-arch-starcoder2.gguf");
    const LoadedModel m = load_model(path);
    const ModelConfig& c = m.config;
    CHECK(c.norm.type == NormType::LayerNorm);
    CHECK(c.norm.bias);
    CHECK(c.norm_before);
    CHECK(c.block == BlockLayout::Sequential);
    CHECK(c.position == PositionEncoding::RoPE);
    CHECK(c.rope.style == RopeStyle::NeoX);
    CHECK(c.rope.theta == 100000.0);
    CHECK_FALSE(c.ffn.gated);
    CHECK(c.ffn.activation == Activation::GELUTanh);
    CHECK(c.ffn.bias);
    CHECK(c.attention.qkv_bias);
    CHECK(c.attention.out_bias);
    CHECK(c.tie_embeddings);
    const std::pair<const char*, const char*> names[] = {
        {"token_embd.weight", "token_embd.weight"},         {"output_norm.bias", "output_norm.bias"},
        {"layers.1.attn.q.weight", "blk.1.attn_q.weight"},   {"layers.1.attn.k.bias", "blk.1.attn_k.bias"},
        {"layers.1.attn.v.weight", "blk.1.attn_v.weight"},   {"layers.0.attn.o.bias", "blk.0.attn_output.bias"},
        {"layers.0.attn_norm.bias", "blk.0.attn_norm.bias"}, {"layers.0.ffn_norm.weight", "blk.0.ffn_norm.weight"},
        {"layers.0.ffn.up.weight", "blk.0.ffn_up.weight"},   {"layers.1.ffn.down.bias", "blk.1.ffn_down.bias"},
    };
    for (const auto& [logical, stored] : names) {
        CAPTURE(logical);
        const TensorView& view = m.weights.get(logical);
        CHECK(view.shape == written.at(stored).shape);
        CHECK(to_f32(view) == written.at(stored).values);
    }
    const std::vector<float> out = reference_forward(c, m.weights, hf.input_ids());
    CHECK(out.size() == hf.input_ids().size() * c.vocab_size);
    std::filesystem::remove(path);
}
