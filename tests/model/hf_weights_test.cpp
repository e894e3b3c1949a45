#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "model/load.h"
#include "model/safetensors.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name; }

const TensorView& raw(const SafetensorsCheckpoint& c, const std::string& name) {
    const TensorView* t = c.find(name);
    REQUIRE_MESSAGE(t, "fixture lacks " << name);
    return *t;
}

// Row-major [rows, cols] values of a tensor.
std::vector<float> values(const TensorView& t) { return to_f32(t); }

}  // namespace

TEST_CASE("HF weights: untransformed tensors are views into the mapped file") {
    const std::string dir = fixture("llama_gqa");
    const ModelConfig config = import_hf_config(dir);
    const ModelWeights w = load_hf_weights(config, dir);
    const SafetensorsCheckpoint file = open_safetensors_checkpoint(dir);
    const TensorView& q = w.get("layers.1.attn.q.weight");
    CHECK(q.name == "model.layers.1.self_attn.q_proj.weight");
    CHECK(q.shape == std::vector<uint64_t>{128, 128});
    CHECK(values(q) == values(raw(file, "model.layers.1.self_attn.q_proj.weight")));
    CHECK(w.has("lm_head.weight"));
    CHECK(w.has("output_norm.weight"));
    CHECK_FALSE(w.has("layers.0.attn.q.bias"));
}

TEST_CASE("HF weights: tied embeddings leave out lm_head") {
    const std::string dir = fixture("llama_mqa");
    const ModelWeights w = load_hf_weights(import_hf_config(dir), dir);
    CHECK_FALSE(w.has("lm_head.weight"));
    CHECK(w.get("layers.0.attn.k.weight").shape == std::vector<uint64_t>{16, 64});
}

TEST_CASE("HF weights: GPT-2 Conv1D weights are transposed and c_attn split into q, k, v") {
    const std::string dir = fixture("gpt2_abs");
    const ModelWeights w = load_hf_weights(import_hf_config(dir), dir);
    const SafetensorsCheckpoint file = open_safetensors_checkpoint(dir);
    const std::vector<float> c_attn = values(raw(file, "transformer.h.0.attn.c_attn.weight"));  // [64 in, 192 out]
    const std::vector<float> k = values(w.get("layers.0.attn.k.weight"));                       // [64 out, 64 in]
    REQUIRE(w.get("layers.0.attn.k.weight").shape == std::vector<uint64_t>{64, 64});
    for (size_t o = 0; o < 64; o += 7)
        for (size_t i = 0; i < 64; i += 5) CHECK(k[o * 64 + i] == c_attn[i * 192 + 64 + o]);
    const std::vector<float> bias = values(raw(file, "transformer.h.0.attn.c_attn.bias"));
    const std::vector<float> v_bias = values(w.get("layers.0.attn.v.bias"));
    for (size_t o = 0; o < 64; ++o) CHECK(v_bias[o] == bias[128 + o]);

    const std::vector<float> fc = values(raw(file, "transformer.h.1.mlp.c_fc.weight"));  // [64, 256]
    const TensorView& up = w.get("layers.1.ffn.up.weight");
    REQUIRE(up.shape == std::vector<uint64_t>{256, 64});
    CHECK(values(up)[3 * 64 + 10] == fc[10 * 256 + 3]);
    CHECK(w.get("pos_embd.weight").shape == std::vector<uint64_t>{128, 64});
}

TEST_CASE("HF weights: per-head fused QKV (BLOOM) and Falcon multi-query split") {
    {
        const std::string dir = fixture("bloom_alibi");
        const ModelWeights w = load_hf_weights(import_hf_config(dir), dir);
        const SafetensorsCheckpoint file = open_safetensors_checkpoint(dir);
        // [heads=4, 3, head_dim=16] rows: head h's k rows start at (3h + 1) * 16.
        const std::vector<float> fused = values(raw(file, "transformer.h.0.self_attention.query_key_value.weight"));
        const std::vector<float> k = values(w.get("layers.0.attn.k.weight"));
        for (size_t h = 0; h < 4; ++h)
            for (size_t r = 0; r < 16; r += 5)
                CHECK(k[(h * 16 + r) * 64 + 9] == fused[((3 * h + 1) * 16 + r) * 64 + 9]);
        CHECK(w.has("embd_norm.bias"));
    }
    {
        const std::string dir = fixture("falcon_mqa");
        const ModelWeights w = load_hf_weights(import_hf_config(dir), dir);
        const SafetensorsCheckpoint file = open_safetensors_checkpoint(dir);
        const TensorView& fused = raw(file, "transformer.h.1.self_attention.query_key_value.weight");  // [96, 64]
        const TensorView& q = w.get("layers.1.attn.q.weight");
        CHECK(q.shape == std::vector<uint64_t>{64, 64});
        const std::vector<float> f = values(fused);
        CHECK(values(q) == std::vector<float>(f.begin(), f.begin() + 64 * 64));
        // q rows, then the single k head: both contiguous runs, so both stay views
        // into one mapping, k right after q.
        CHECK(w.get("layers.1.attn.k.weight").data == q.data + 64 * 64 * 4);
        CHECK(values(w.get("layers.1.attn.v.weight"))[5] == f[80 * 64 + 5]);
    }
}

TEST_CASE("HF weights: OPT positions keep their two offset rows; BERT gets token types") {
    const std::string opt = fixture("opt_relu");
    CHECK(load_hf_weights(import_hf_config(opt), opt).get("pos_embd.weight").shape == std::vector<uint64_t>{130, 64});
    const std::string bert = fixture("bert_encoder");
    const ModelWeights w = load_hf_weights(import_hf_config(bert), bert);
    CHECK(w.has("token_type_embd.weight"));
    CHECK(w.has("layers.1.ffn_norm.bias"));
    CHECK_FALSE(w.has("lm_head.weight"));
}

TEST_CASE("HF weights: a fused QKV of the wrong size names the tensor") {
    const std::string dir = fixture("gpt_neox_parallel");
    ModelConfig config = import_hf_config(dir);
    config.num_heads = 2;  // head_dim 32 then: 2 * 32 * 3 = 192 rows still fit, so change kv too
    config.num_kv_heads = 1;
    try {
        load_hf_weights(config, dir);
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("gpt_neox.layers.0.attention.query_key_value") != std::string::npos);
        CHECK(std::string(e.what()).find("fused QKV has 192 rows") != std::string::npos);
    }
}

TEST_CASE("plain safetensors: logical names, or mapped through tensor_names") {
    const std::string file = fixture("llama_gqa") + "/model.safetensors";
    ModelConfig config;
    config.tensor_names["token_embd.weight"] = "model.embed_tokens.weight";
    config.tensor_names["output_norm.weight"] = "model.norm.weight";
    const ModelWeights w = load_safetensors_weights(config, file);
    CHECK(w.get("token_embd.weight").shape == std::vector<uint64_t>{256, 128});
    CHECK(w.has("output_norm.weight"));
    CHECK_FALSE(w.has("model.embed_tokens.weight"));  // renamed, not duplicated
    CHECK(w.has("lm_head.weight"));                   // unmapped names are taken as logical

    config.tensor_names["layers.0.attn.q.weight"] = "no.such.tensor";
    try {
        load_safetensors_weights(config, file);
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("'layers.0.attn.q.weight' to 'no.such.tensor'") != std::string::npos);
    }
}

namespace {

std::string le64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = char((v >> (8 * i)) & 0xFF);
    return s;
}

// A one-layer Falcon (new decoder architecture, 4 heads in 2 kv groups, head_dim 2)
// whose fused QKV row r holds the value r everywhere.
fs::path write_grouped_falcon() {
    const fs::path dir = fs::temp_directory_path() / ("vkllm_hf_falcon_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << R"({"architectures": ["FalconForCausalLM"], "vocab_size": 4,
        "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4, "num_kv_heads": 2,
        "new_decoder_architecture": true, "ffn_hidden_size": 8})";
    std::string data;
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 8; ++c) {
            float v = float(r);
            data.append(reinterpret_cast<const char*>(&v), 4);
        }
    const std::string header =
        R"({"transformer.h.0.self_attention.query_key_value.weight":{"dtype":"F32","shape":[16,8],"data_offsets":[0,512]}})";
    std::ofstream(dir / "model.safetensors", std::ios::binary) << le64(header.size()) << header << data;
    return dir;
}

std::vector<float> first_column(const TensorView& t) {
    std::vector<float> all = to_f32(t), out;
    for (uint64_t r = 0; r < t.shape[0]; ++r) out.push_back(all[r * t.shape[1]]);
    return out;
}

}  // namespace

TEST_CASE("HF weights: Falcon grouped QKV [kv groups, q heads of the group + k + v, head_dim]") {
    const fs::path dir = write_grouped_falcon();
    const ModelConfig config = import_hf_config(dir.string());
    const ModelWeights w = load_hf_weights(config, dir.string());
    // group 0 = rows 0..7: q heads 0, 1 (rows 0-3), k (4-5), v (6-7); group 1 = rows 8..15.
    CHECK(first_column(w.get("layers.0.attn.q.weight")) == std::vector<float>{0, 1, 2, 3, 8, 9, 10, 11});
    CHECK(first_column(w.get("layers.0.attn.k.weight")) == std::vector<float>{4, 5, 12, 13});
    CHECK(first_column(w.get("layers.0.attn.v.weight")) == std::vector<float>{6, 7, 14, 15});

    ModelConfig absurd = config;
    absurd.num_layers = 1000000000;
    CHECK_THROWS_WITH_AS(load_hf_weights(absurd, dir.string()), doctest::Contains("too few for num_layers"),
                         InputError);
    fs::remove_all(dir);
}
