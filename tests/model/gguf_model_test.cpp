// GGUF -> ModelConfig and logical weights, checked against the Hugging Face
// originals the fixture files were converted from.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "model/gguf_model.h"
#include "model/gguf_test_builder.h"
#include "model/load.h"
#include "model/safetensors.h"
#include "vkllm/error.h"

using namespace vkllm;
using vkllm::test::GgufBytes;

namespace {

const char* const kCases[] = {"llama_gqa", "llama_mqa", "llama_mha_ropescaled"};
const char* const kTypes[] = {"f32", "f16", "q8_0"};

std::string gguf_path(const std::string& name, const std::string& type) {
    return std::string(VKLLM_TEST_DATA_DIR) + "/gguf/" + name + "/model-" + type + ".gguf";
}

std::string hf_dir(const std::string& name) { return std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name; }

nlohmann::json hf_config(const std::string& name) {
    std::ifstream in(hf_dir(name) + "/config.json");
    return nlohmann::json::parse(in);
}

// Logical name -> the Hugging Face Llama checkpoint's name.
std::string hf_name(const std::string& logical) {
    static const std::pair<const char*, const char*> globals[] = {
        {"token_embd.weight", "model.embed_tokens.weight"},
        {"output_norm.weight", "model.norm.weight"},
        {"lm_head.weight", "lm_head.weight"},
    };
    for (auto [from, to] : globals)
        if (logical == from) return to;
    static const std::pair<const char*, const char*> layer[] = {
        {"attn_norm.weight", "input_layernorm.weight"}, {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"attn.q.weight", "self_attn.q_proj.weight"},   {"attn.k.weight", "self_attn.k_proj.weight"},
        {"attn.v.weight", "self_attn.v_proj.weight"},   {"attn.o.weight", "self_attn.o_proj.weight"},
        {"ffn.gate.weight", "mlp.gate_proj.weight"},    {"ffn.up.weight", "mlp.up_proj.weight"},
        {"ffn.down.weight", "mlp.down_proj.weight"},
    };
    size_t dot = logical.find('.', 7);  // after "layers.N"
    std::string index = logical.substr(7, dot - 7), suffix = logical.substr(dot + 1);
    for (auto [from, to] : layer)
        if (suffix == from) return "model.layers." + index + "." + to;
    return "";
}

GgufFile parse(const GgufBytes& b) { return GgufFile::parse(b.bytes.data(), b.bytes.size(), "test.gguf"); }

template <class F>
void expect_error(F&& f, const std::string& fragment) {
    try {
        f();
        FAIL("no error; expected one containing: " << fragment);
    } catch (const InputError& e) {
        std::string message = e.what();
        CHECK_MESSAGE(message.find(fragment) != std::string::npos, message);
    }
}

// A tiny llama-style file: hidden 32, 2 heads of 16, 1 layer, vocab 4; every
// tensor F32 with distinct nonzero values. `extra_kv` is appended to the metadata.
struct TinyModel {
    std::string arch = "llama";
    uint32_t kv_heads = 1;
    bool write_ffn_length = true;
    std::vector<std::pair<std::string, std::vector<uint64_t>>> tensors = {
        {"token_embd.weight", {32, 4}},   {"blk.0.attn_norm.weight", {32}}, {"blk.0.attn_q.weight", {32, 32}},
        {"blk.0.attn_k.weight", {32, 16}}, {"blk.0.attn_v.weight", {32, 16}}, {"blk.0.attn_output.weight", {32, 32}},
        {"blk.0.ffn_norm.weight", {32}},  {"blk.0.ffn_gate.weight", {32, 64}}, {"blk.0.ffn_up.weight", {32, 64}},
        {"blk.0.ffn_down.weight", {64, 32}}, {"output_norm.weight", {32}},
    };
    // ggml type per tensor name; F32 (0) when absent. Quantized tensors get
    // blocks with scale 1 and codes that differ from block to block.
    std::map<std::string, uint32_t> types;
    std::function<void(GgufBytes&)> extra_kv;
    int extra_kv_count = 0;

    GgufBytes build() const {
        GgufBytes b;
        b.header(3, tensors.size(), 7 + int(write_ffn_length) + extra_kv_count);
        b.kv_str("general.architecture", arch);
        b.kv_u32(arch + ".embedding_length", 32);
        b.kv_u32(arch + ".block_count", 1);
        if (write_ffn_length) b.kv_u32(arch + ".feed_forward_length", 64);
        b.kv_u32(arch + ".attention.head_count", 2);
        b.kv_u32(arch + ".attention.head_count_kv", kv_heads);
        b.kv_u32(arch + ".context_length", 128);
        b.kv_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        if (extra_kv) extra_kv(b);
        uint64_t offset = 0;
        std::vector<std::pair<uint32_t, uint64_t>> layout;  // type, elements
        for (const auto& [name, ne] : tensors) {
            uint64_t n = 1;
            for (uint64_t d : ne) n *= d;
            uint32_t type = types.count(name) ? types.at(name) : 0;
            b.tensor_info(name, ne, type, offset);
            layout.push_back({type, n});
            uint64_t bytes = type == 0 ? n * 4 : n / 32 * (type == 2 ? 18 : 34);
            offset += (bytes + 31) / 32 * 32;
        }
        b.pad_to(32);
        float value = 1;
        for (auto [type, n] : layout) {
            if (type == 0) {
                for (uint64_t i = 0; i < n; ++i) b.f32(value++);
            } else {
                for (uint64_t block = 0; block < n / 32; ++block) {
                    b.u16(0x3c00);
                    for (int j = 0; j < (type == 2 ? 16 : 32); ++j) b.u8(uint8_t(block * 3 + j));
                }
            }
            b.pad_to(32);
        }
        return b;
    }
};

}  // namespace

TEST_CASE("gguf: metadata of the fixtures maps to the Hugging Face configs") {
    for (const char* name : kCases) {
        nlohmann::json hf = hf_config(name);
        for (const char* type : kTypes) {
            CAPTURE(name);
            CAPTURE(type);
            GgufFile f = GgufFile::open(gguf_path(name, type));
            ModelConfig c = gguf_to_config(f);
            CHECK_NOTHROW(validate(c));
            CHECK(c.hidden_size == hf["hidden_size"].get<uint32_t>());
            CHECK(c.num_layers == hf["num_hidden_layers"].get<uint32_t>());
            CHECK(c.num_heads == hf["num_attention_heads"].get<uint32_t>());
            CHECK(c.kv_heads() == hf["num_key_value_heads"].get<uint32_t>());
            CHECK(c.head_size() == hf["head_dim"].get<uint32_t>());
            CHECK(c.ffn.intermediate_size == hf["intermediate_size"].get<uint32_t>());
            CHECK(c.vocab_size == hf["vocab_size"].get<uint32_t>());
            CHECK(c.max_position == hf["max_position_embeddings"].get<uint32_t>());
            // The file stores epsilon as float32.
            CHECK(c.norm.epsilon == doctest::Approx(hf["rms_norm_eps"].get<double>()).epsilon(1e-6));
            CHECK(c.rope.theta == hf["rope_parameters"]["rope_theta"].get<double>());
            CHECK(c.rope.partial_rotary_fraction == 1.0);
            CHECK(c.rope.style == RopeStyle::NeoX);
            CHECK(c.tie_embeddings == hf["tie_word_embeddings"].get<bool>());
            CHECK(c.norm.type == NormType::RMSNorm);
            CHECK(c.ffn.gated);
            CHECK(c.ffn.activation == Activation::SiLU);
            CHECK(c.weight_format == "gguf");
            CHECK(c.dtype == std::string(type));
            if (std::string(name) == "llama_mha_ropescaled") {
                CHECK(c.rope.scaling == RopeScaling::Linear);
                CHECK(c.rope.factor == 2.0);
            } else {
                CHECK(c.rope.scaling == RopeScaling::None);
            }
        }
    }
}

TEST_CASE("gguf: fixture tensors equal the Hugging Face weights within the storage rounding") {
    for (const char* name : kCases) {
        SafetensorsFile hf = open_safetensors(hf_dir(name) + "/model.safetensors");
        for (const char* type : kTypes) {
            CAPTURE(name);
            CAPTURE(type);
            LoadedModel m = load_gguf(gguf_path(name, type));
            REQUIRE_NOTHROW(check_weights(m.config, m.weights));
            CHECK(m.weights.has("lm_head.weight") == !m.config.tie_embeddings);
            for (const auto& entry : m.weights.tensors()) {
                const std::string& logical = entry.first;
                const TensorView& view = entry.second;
                CAPTURE(logical);
                auto it = hf.tensors.find(hf_name(logical));
                REQUIRE(it != hf.tensors.end());
                REQUIRE(view.shape == it->second.shape);
                std::vector<float> got = to_f32(view), want = to_f32(it->second);
                if (view.dtype == DType::Q8_0) REQUIRE(view.shape.back() % 32 == 0);
                size_t bad = 0;
                for (size_t i = 0; i < got.size(); ++i) {
                    double tolerance = 0;
                    if (view.dtype == DType::F16) {
                        // Round to nearest f16: half an ulp, 2^-11 relative (abs 2^-25 below the normals).
                        tolerance = std::max(std::fabs(want[i]) * 0x1p-11, 0x1p-25);
                    } else if (view.dtype == DType::Q8_0) {
                        // Blocks of 32 along a row, scale d = max|x|/127 stored as f16: the
                        // code rounding costs d/2, the scale rounding up to 127 * d * 2^-11.
                        size_t block = i / 32 * 32;
                        float amax = 0;
                        for (size_t j = block; j < block + 32; ++j) amax = std::max(amax, std::fabs(want[j]));
                        double d = amax / 127.0;
                        tolerance = d * (0.5 + 127 * 0x1p-11) + 1e-12;
                    }
                    if (std::fabs(double(got[i]) - want[i]) > tolerance) ++bad;
                }
                CHECK(bad == 0);
            }
        }
    }
}

TEST_CASE("gguf: q/k rows come back in Hugging Face order without decoding q8_0 blocks") {
    // Same rows as the f32 file, byte for byte, for the quantized file: compare
    // against the q8_0 file's own blocks read in converter order.
    GgufFile f = GgufFile::open(gguf_path("llama_gqa", "q8_0"));
    ModelConfig c = gguf_to_config(f);
    ModelWeights w = gguf_to_weights(f, c);
    const TensorView stored = f.view(*f.find_tensor("blk.1.attn_k.weight"));
    const TensorView& logical = w.get("layers.1.attn.k.weight");
    CHECK(logical.dtype == DType::Q8_0);
    REQUIRE(logical.bytes == stored.bytes);
    const size_t row = stored.bytes / stored.shape[0];
    const uint64_t d = c.head_size();
    for (uint64_t h = 0; h < c.kv_heads(); ++h)
        for (uint64_t j = 0; j < d / 2; ++j) {
            CHECK(std::memcmp(logical.data + (h * d + j) * row, stored.data + (h * d + 2 * j) * row, row) == 0);
            CHECK(std::memcmp(logical.data + (h * d + d / 2 + j) * row, stored.data + (h * d + 2 * j + 1) * row,
                              row) == 0);
        }
    // Everything else stays a view into the mapping.
    CHECK(w.get("layers.1.attn.v.weight").data == f.view(*f.find_tensor("blk.1.attn_v.weight")).data);
}

TEST_CASE("gguf: a synthetic llama file maps names, shapes and GQA") {
    TinyModel tiny;
    GgufBytes b = tiny.build();
    GgufFile f = parse(b);
    ModelConfig c = gguf_to_config(f);
    CHECK(c.name == "test");
    CHECK(c.vocab_size == 4);
    CHECK(c.head_size() == 16);
    CHECK(c.kv_heads() == 1);
    CHECK(c.tie_embeddings);
    CHECK(c.max_position == 128);
    CHECK(c.dtype == "f32");
    CHECK_NOTHROW(validate(c));
    ModelWeights w = gguf_to_weights(f, c);
    CHECK_NOTHROW(check_weights(c, w));
    CHECK(w.get("layers.0.ffn.down.weight").shape == std::vector<uint64_t>{32, 64});
    // k: one head of 16 rows; HF row 1 is stored row 2, HF row 8 is stored row 1.
    std::vector<float> k = to_f32(w.get("layers.0.attn.k.weight"));
    std::vector<float> stored = to_f32(f.view(*f.find_tensor("blk.0.attn_k.weight")));
    CHECK(k[1 * 32] == stored[2 * 32]);
    CHECK(k[8 * 32] == stored[1 * 32]);
    CHECK(k[15 * 32 + 5] == stored[15 * 32 + 5]);
}

TEST_CASE("gguf: q4_0 q/k rows move as whole blocks") {
    TinyModel t;
    t.kv_heads = 2;
    t.tensors[3].second = {32, 32};  // attn_k: 2 heads of 16 rows, one q4_0 block per row
    t.tensors[4].second = {32, 32};
    t.types = {{"blk.0.attn_q.weight", 2}, {"blk.0.attn_k.weight", 2}};
    GgufBytes b = t.build();
    GgufFile f = parse(b);
    ModelConfig c = gguf_to_config(f);
    ModelWeights w = gguf_to_weights(f, c);
    CHECK_NOTHROW(check_weights(c, w));
    for (const char* name : {"q", "k"}) {
        CAPTURE(name);
        const TensorView& logical = w.get(std::string("layers.0.attn.") + name + ".weight");
        const TensorView stored = f.view(*f.find_tensor(std::string("blk.0.attn_") + name + ".weight"));
        CHECK(logical.dtype == DType::Q4_0);
        REQUIRE(logical.bytes == 32 * 18);
        // Head 1, Hugging Face row 16 + 8 + 3 (second half, j = 3) was stored as row 16 + 2*3 + 1.
        CHECK(std::memcmp(logical.data + 27 * 18, stored.data + 23 * 18, 18) == 0);
        CHECK(std::memcmp(logical.data + 16 * 18, stored.data + 16 * 18, 18) == 0);
    }
}

TEST_CASE("gguf: qwen2 keeps q/k rows, gemma scales embeddings") {
    TinyModel qwen;
    qwen.arch = "qwen2";
    qwen.tensors.push_back({"blk.0.attn_q.bias", {32}});
    qwen.tensors.push_back({"blk.0.attn_k.bias", {16}});
    qwen.tensors.push_back({"blk.0.attn_v.bias", {16}});
    GgufBytes b = qwen.build();
    GgufFile f = parse(b);
    ModelConfig c = gguf_to_config(f);
    CHECK(c.attention.qkv_bias);
    ModelWeights w = gguf_to_weights(f, c);
    CHECK_NOTHROW(check_weights(c, w));
    CHECK(w.get("layers.0.attn.q.weight").data == f.view(*f.find_tensor("blk.0.attn_q.weight")).data);

    TinyModel qwen3;
    qwen3.arch = "qwen3";
    qwen3.tensors.push_back({"blk.0.attn_q_norm.weight", {16}});
    qwen3.tensors.push_back({"blk.0.attn_k_norm.weight", {16}});
    GgufBytes q3 = qwen3.build();
    GgufFile q3f = parse(q3);
    ModelConfig q3c = gguf_to_config(q3f);
    CHECK(q3c.attention.qk_norm);
    CHECK_FALSE(q3c.attention.qkv_bias);
    CHECK_NOTHROW(check_weights(q3c, gguf_to_weights(q3f, q3c)));

    TinyModel gemma;
    gemma.arch = "gemma";
    GgufBytes g = gemma.build();
    ModelConfig gc = gguf_to_config(parse(g));
    CHECK(gc.embedding_scale == doctest::Approx(std::sqrt(32.0)));
    CHECK(gc.ffn.activation == Activation::GELUTanh);
    CHECK_FALSE(gc.norm.add_unit_offset);
}

TEST_CASE("gguf: rope metadata") {
    TinyModel t;
    t.extra_kv_count = 5;
    t.extra_kv = [](GgufBytes& b) {
        b.kv_str("llama.rope.scaling.type", "yarn");
        b.kv_f32("llama.rope.scaling.factor", 4.0f);
        b.kv_u32("llama.rope.scaling.original_context_length", 64);
        b.kv_f32("llama.rope.freq_base", 500000.0f);
        b.kv_u32("llama.rope.dimension_count", 8);
    };
    GgufBytes b = t.build();
    ModelConfig c = gguf_to_config(parse(b));
    CHECK(c.rope.scaling == RopeScaling::YaRN);
    CHECK(c.rope.factor == 4.0);
    CHECK(c.rope.original_max_position == 64);
    CHECK(c.rope.theta == 500000.0);
    CHECK(c.rope.partial_rotary_fraction == 0.5);
    CHECK_NOTHROW(validate(c));

    t.extra_kv_count = 1;
    t.extra_kv = [](GgufBytes& b) { b.kv_str("llama.rope.scaling.type", "longrope"); };
    b = t.build();
    expect_error([&] { gguf_to_config(parse(b)); }, "metadata 'llama.rope.scaling.type' is 'longrope'");

    t.extra_kv = [](GgufBytes& b) { b.kv_str("llama.rope.scaling.type", "linear"); };
    b = t.build();
    expect_error([&] { gguf_to_config(parse(b)); }, "'llama.rope.scaling.factor' is missing");
}

TEST_CASE("gguf: metadata errors name the file and the key") {
    TinyModel t;
    t.arch = "mamba";
    GgufBytes b = t.build();
    expect_error([&] { gguf_to_config(parse(b)); },
                 "test.gguf: GGUF architecture 'mamba' is not supported (supported: llama, qwen2, qwen3, qwen2moe, "
                 "qwen3moe, phi3, gemma, gemma2, gemma3, phi2, starcoder2, gpt2, bloom, gptneox, falcon, bert)");

    GgufBytes missing;
    missing.header(3, 0, 2).kv_str("general.architecture", "llama").kv_u32("llama.embedding_length", 8);
    expect_error([&] { gguf_to_config(parse(missing)); }, "test.gguf: metadata 'llama.block_count' is missing");

    TinyModel split;
    split.extra_kv_count = 1;
    split.extra_kv = [](GgufBytes& b) { b.str("split.count").u32(2).u16(3); };
    GgufBytes sb = split.build();
    expect_error([&] { gguf_to_config(parse(sb)); }, "one part of a GGUF split into 3 files");

    GgufBytes no_arch;
    no_arch.header(3, 0, 0);
    expect_error([&] { gguf_to_config(parse(no_arch)); }, "metadata 'general.architecture' is missing");

    GgufBytes wrong_type;
    wrong_type.header(3, 0, 2).kv_str("general.architecture", "llama").kv_str("llama.embedding_length", "8");
    expect_error([&] { gguf_to_config(parse(wrong_type)); },
                 "metadata 'llama.embedding_length' must be a non-negative integer (found string)");

    // Per-layer head counts: fine when uniform, an error when they differ.
    TinyModel layered;
    layered.write_ffn_length = false;
    layered.extra_kv_count = 1;
    layered.extra_kv = [](GgufBytes& b) { b.str("llama.feed_forward_length").u32(9).u32(4).u64(2).u32(64).u32(64); };
    GgufBytes l = layered.build();
    CHECK(gguf_to_config(parse(l)).ffn.intermediate_size == 64);
    layered.extra_kv = [](GgufBytes& b) { b.str("llama.feed_forward_length").u32(9).u32(4).u64(2).u32(64).u32(96); };
    l = layered.build();
    expect_error([&] { gguf_to_config(parse(l)); }, "'llama.feed_forward_length' differs between layers");
}

TEST_CASE("gguf: rope_freqs.weight becomes the config's RoPE frequency factors") {
    TinyModel t;  // 2 heads of 16: 8 rotary pairs
    t.tensors.push_back({"rope_freqs.weight", {8}});
    GgufBytes b = t.build();
    GgufFile f = parse(b);
    const ModelConfig c = gguf_to_config(f);
    const std::vector<float> stored = to_f32(f.view(*f.find_tensor("rope_freqs.weight")));
    REQUIRE(c.rope.frequency_factors.size() == 8);
    for (size_t i = 0; i < 8; ++i) CHECK(c.rope.frequency_factors[i] == double(stored[i]));
    const ModelWeights w = gguf_to_weights(f, c);
    CHECK_FALSE(w.has("rope_freqs.weight"));  // consumed by the config, not a weight

    TinyModel wrong = t;
    wrong.tensors.back().second = {6};
    GgufBytes wb = wrong.build();
    expect_error([&] { gguf_to_config(parse(wb)); },
                 "tensor 'rope_freqs.weight': holds 6 values, expected one per rotary pair (8)");
    TinyModel two_d = t;
    two_d.tensors.back().second = {4, 2};
    GgufBytes tb = two_d.build();
    expect_error([&] { gguf_to_config(parse(tb)); }, "tensor 'rope_freqs.weight' has 2 dimensions, expected 1");
    TinyModel longrope = t;
    longrope.tensors.back().first = "rope_factors_long.weight";
    GgufBytes lb = longrope.build();
    expect_error([&] { gguf_to_config(parse(lb)); }, "tensor 'rope_factors_long.weight' holds LongRoPE factors");
}

TEST_CASE("gguf: tensor naming errors") {
    TinyModel unknown;
    unknown.tensors.push_back({"blk.0.attn_gate.weight", {32, 64}});
    GgufBytes u = unknown.build();
    GgufFile uf = parse(u);
    expect_error([&] { gguf_to_weights(uf, gguf_to_config(uf)); },
                 "tensor 'blk.0.attn_gate.weight' is not a tensor this engine knows for architecture 'llama'");

    TinyModel llama_qkv;
    llama_qkv.tensors.push_back({"blk.0.attn_qkv.weight", {32, 64}});
    GgufBytes lq = llama_qkv.build();
    GgufFile lqf = parse(lq);
    expect_error([&] { gguf_to_weights(lqf, gguf_to_config(lqf)); },
                 "tensor 'blk.0.attn_qkv.weight' is a fused QKV in a 'llama' file");

    // A fused attn_qkv beside separate q/k/v gives q a second time.
    TinyModel twice;
    twice.arch = "qwen2";
    twice.tensors.push_back({"blk.0.attn_qkv.weight", {32, 64}});
    GgufBytes tw = twice.build();
    GgufFile twf = parse(tw);
    expect_error([&] { gguf_to_weights(twf, gguf_to_config(twf)); },
                 "tensor 'blk.0.attn_qkv.weight' gives 'layers.0.attn.q.weight' a second time");

    TinyModel fused;  // attn_qkv must hold (2 + 2 * 1) * 16 = 64 rows
    fused.arch = "qwen2";
    fused.tensors.erase(fused.tensors.begin() + 2, fused.tensors.begin() + 5);
    fused.tensors.push_back({"blk.0.attn_qkv.weight", {32, 48}});
    GgufBytes fb = fused.build();
    GgufFile ff = parse(fb);
    expect_error([&] { gguf_to_weights(ff, gguf_to_config(ff)); },
                 "tensor 'blk.0.attn_qkv.weight' must have (head_count + 2 * head_count_kv) * head_dim = 64 rows");

    TinyModel gate_up;  // a gated FFN without ffn_gate: ffn_up must hold [gate | up]
    gate_up.tensors.erase(gate_up.tensors.begin() + 7);
    GgufBytes gb = gate_up.build();
    GgufFile gf = parse(gb);
    expect_error([&] { gguf_to_weights(gf, gguf_to_config(gf)); },
                 "tensor 'blk.0.ffn_up.weight' has no ffn_gate beside it, so it must hold [gate | up] in 2 * "
                 "feed_forward_length = 128 rows");

    TinyModel layer;
    layer.tensors.push_back({"blk.7.ffn_norm.weight", {32}});
    GgufBytes l = layer.build();
    GgufFile lf = parse(l);
    expect_error([&] { gguf_to_weights(lf, gguf_to_config(lf)); },
                 "tensor 'blk.7.ffn_norm.weight' belongs to layer 7 but the model has 1 layers");

    TinyModel odd_heads;
    odd_heads.kv_heads = 2;
    odd_heads.tensors[3].second = {32, 18};  // attn_k: 18 rows, 2 heads of 9
    GgufBytes o = odd_heads.build();
    GgufFile of = parse(o);
    expect_error([&] { gguf_to_weights(of, gguf_to_config(of)); },
                 "tensor 'blk.0.attn_k.weight' has 18 rows, which do not split into 2 heads of an even size");
}

TEST_CASE("gguf: stacked experts split into one view per expert") {
    TinyModel t;
    t.tensors.erase(t.tensors.begin() + 7, t.tensors.begin() + 10);  // dense ffn
    t.tensors.push_back({"blk.0.ffn_gate_inp.weight", {32, 3}});
    t.tensors.push_back({"blk.0.ffn_gate_exps.weight", {32, 64, 3}});
    t.tensors.push_back({"blk.0.ffn_up_exps.weight", {32, 64, 3}});
    t.tensors.push_back({"blk.0.ffn_down_exps.weight", {64, 32, 3}});
    t.extra_kv_count = 2;
    t.extra_kv = [](GgufBytes& b) {
        b.kv_u32("llama.expert_count", 3);
        b.kv_u32("llama.expert_used_count", 2);
    };
    GgufBytes b = t.build();
    GgufFile f = parse(b);
    ModelConfig c = gguf_to_config(f);
    CHECK(c.moe.num_experts == 3);
    CHECK(c.moe.top_k == 2);
    CHECK_NOTHROW(validate(c));
    ModelWeights w = gguf_to_weights(f, c);
    CHECK_NOTHROW(check_weights(c, w));
    const TensorView& down2 = w.get("layers.0.moe.experts.2.down.weight");
    CHECK(down2.shape == std::vector<uint64_t>{32, 64});
    const TensorView all = f.view(*f.find_tensor("blk.0.ffn_down_exps.weight"));
    CHECK(down2.data == all.data + 2 * 32 * 64 * 4);
}

TEST_CASE("gguf: load_model picks the GGUF loader by extension") {
    LoadedModel m = load_model(gguf_path("llama_mqa", "q8_0"));
    CHECK(m.config.tie_embeddings);
    CHECK(m.config.kv_heads() == 1);
    CHECK(m.weights.get("token_embd.weight").dtype == DType::Q8_0);
}

TEST_CASE("gguf: the fuzzing seeds are complete, valid models") {
    // They only help the fuzzer while they get through every stage of loading.
    const std::string dir = std::string(VKLLM_SOURCE_DIR) + "/tests/fuzz/corpus/gguf/";
    for (const char* name : {"tiny_llama.gguf", "tiny_moe.gguf", "tiny_qwen2.gguf"}) {
        CAPTURE(name);
        LoadedModel m = load_gguf(dir + name);
        CHECK_NOTHROW(validate(m.config));
        CHECK_NOTHROW(check_weights(m.config, m.weights));
    }
    CHECK(GgufFile::open(dir + "metadata_v2.gguf").metadata().size() == 13);
}
