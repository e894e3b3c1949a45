// Gemma 2 / Gemma 3 from the files people download, without a fixture made by
// transformers or llama.cpp: a random-weight model from make-model is written
// again (1) as a Hugging Face directory (config.json + model.safetensors under
// transformers' names) and (2) as a GGUF laid out as llama.cpp's
// convert_hf_to_gguf.py writes these architectures; each must load as the
// model it was written from. The layouts below are written forwards from the
// sources, independently of the loader's tables:
// - transformers (modeling_gemma2.py, modeling_gemma3.py, the configuration
//   classes): post_attention_layernorm is the norm on the attention output,
//   pre_feedforward_layernorm the FFN input norm, post_feedforward_layernorm the
//   FFN output norm; norms scale by (1 + w); scaling = query_pre_attn_scalar^-0.5;
//   Gemma 2 windows the even layers (layer_idx % 2 == 0); Gemma 3 derives
//   layer_types from sliding_window_pattern ((i + 1) % pattern != 0: sliding),
//   rope_local_base_freq for the sliding layers, rope_scaling for the others.
// - llama.cpp (convert_hf_to_gguf.py, llama-model.cpp, llama-arch.cpp): every
//   tensor whose Hugging Face name ends in "norm.weight" is stored + 1 (q/k
//   norms too), no q/k row permutation, no output.weight (tied), tensors
//   blk.N.post_attention_norm / blk.N.post_ffw_norm, metadata
//   <arch>.attn_logit_softcapping, <arch>.final_logit_softcapping,
//   <arch>.attention.sliding_window; the loader then assumes set_swa_pattern(2)
//   (gemma2) / (6) (gemma3), a local RoPE base of 10000 for gemma3, and an
//   attention scale of (hidden / heads)^-0.5 only for the 27B layer counts.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include "model/gguf_model.h"
#include "model/gguf_writer.h"
#include "model/load.h"
#include "model/make_model.h"
#include "model/safetensors_writer.h"
#include "reference/reference.h"
#include "support/logit_compare.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

struct NamePair {
    const char* logical;  // suffix after "layers.{i}." or a global name
    const char* hf;       // after "model.layers.{i}." / "model."
    const char* gguf;     // after "blk.{i}." / ""
};

const NamePair kLayerNames[] = {
    {"attn_norm.weight", "input_layernorm.weight", "attn_norm.weight"},
    {"attn.q.weight", "self_attn.q_proj.weight", "attn_q.weight"},
    {"attn.k.weight", "self_attn.k_proj.weight", "attn_k.weight"},
    {"attn.v.weight", "self_attn.v_proj.weight", "attn_v.weight"},
    {"attn.o.weight", "self_attn.o_proj.weight", "attn_output.weight"},
    {"attn.q_norm.weight", "self_attn.q_norm.weight", "attn_q_norm.weight"},
    {"attn.k_norm.weight", "self_attn.k_norm.weight", "attn_k_norm.weight"},
    {"post_attn_norm.weight", "post_attention_layernorm.weight", "post_attention_norm.weight"},
    {"ffn_norm.weight", "pre_feedforward_layernorm.weight", "ffn_norm.weight"},
    {"ffn.gate.weight", "mlp.gate_proj.weight", "ffn_gate.weight"},
    {"ffn.up.weight", "mlp.up_proj.weight", "ffn_up.weight"},
    {"ffn.down.weight", "mlp.down_proj.weight", "ffn_down.weight"},
    {"post_ffn_norm.weight", "post_feedforward_layernorm.weight", "post_ffw_norm.weight"},
};
const NamePair kGlobalNames[] = {
    {"token_embd.weight", "embed_tokens.weight", "token_embd.weight"},
    {"output_norm.weight", "norm.weight", "output_norm.weight"},
};

struct Named {
    std::string hf, gguf;
    std::vector<uint64_t> shape;
    std::vector<float> values;
};

// Every tensor of `m` under its Hugging Face and GGUF names.
std::vector<Named> rename(const LoadedModel& m) {
    std::vector<Named> out;
    for (const auto& [logical, view] : m.weights.tensors()) {
        Named n{"", "", view.shape, to_f32(view)};
        for (const NamePair& g : kGlobalNames)
            if (logical == g.logical) n.hf = std::string("model.") + g.hf, n.gguf = g.gguf;
        if (logical.rfind("layers.", 0) == 0) {
            const size_t dot = logical.find('.', 7);
            const std::string layer = logical.substr(7, dot - 7), suffix = logical.substr(dot + 1);
            for (const NamePair& l : kLayerNames)
                if (suffix == l.logical)
                    n.hf = "model.layers." + layer + "." + l.hf, n.gguf = "blk." + layer + "." + l.gguf;
        }
        REQUIRE_MESSAGE(!n.hf.empty(), "no Gemma name for " << logical);
        out.push_back(std::move(n));
    }
    return out;
}

void write_hf_dir(const LoadedModel& m, const std::string& config_json, const fs::path& dir) {
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << config_json;
    const std::vector<Named> tensors = rename(m);
    std::vector<SafetensorsEntry> entries;
    for (const Named& t : tensors) entries.push_back({t.hf, DType::F32, t.shape});
    SafetensorsWriter w((dir / "model.safetensors").string(), entries);
    for (const Named& t : tensors) w.write(t.values.data(), t.values.size() * 4);
    w.finish();
}

// GGUF metadata shared by both architectures (the converter's TextModel keys).
void write_gguf(const LoadedModel& m, const std::string& arch, const std::function<void(GgufWriter&)>& extra,
                const std::string& path) {
    const ModelConfig& c = m.config;
    GgufWriter w;
    auto k = [&](const char* suffix) { return arch + "." + suffix; };
    w.add_string("general.architecture", arch);
    w.add_string("general.name", c.name);
    w.add_u32(k("context_length"), c.max_position);
    w.add_u32(k("embedding_length"), c.hidden_size);
    w.add_u32(k("block_count"), c.num_layers);
    w.add_u32(k("feed_forward_length"), c.ffn.intermediate_size);
    w.add_u32(k("attention.head_count"), c.num_heads);
    w.add_u32(k("attention.head_count_kv"), c.kv_heads());
    w.add_f32(k("attention.layer_norm_rms_epsilon"), float(c.norm.epsilon));
    w.add_u32(k("attention.key_length"), c.head_size());
    w.add_u32(k("attention.value_length"), c.head_size());
    extra(w);
    std::vector<Named> tensors = rename(m);
    for (Named& t : tensors) {
        if (t.hf.size() >= 11 && t.hf.compare(t.hf.size() - 11, 11, "norm.weight") == 0)
            for (float& v : t.values) v += 1.0f;  // the converter folds Gemma's (1 + w)
        w.add_tensor(t.gguf, DType::F32, t.shape);
    }
    w.write_header(path);
    for (const Named& t : tensors) {
        w.write_data(reinterpret_cast<const uint8_t*>(t.values.data()), t.values.size() * 4);
        w.finish_tensor();
    }
    w.close();
}

std::vector<int32_t> test_tokens() {
    std::vector<int32_t> tokens;
    for (int32_t i = 0; i < 24; ++i) tokens.push_back((i * 31 + 7) % 97);
    return tokens;
}

struct Case {
    const char* name;
    const char* toml;
    const char* config_json;
    const char* gguf_arch;
    void (*gguf_keys)(GgufWriter&);
};

const Case kCases[] = {
    {"gemma2", R"(name = "gemma2-tiny"
[model]
vocab_size = 97
hidden_size = 48
num_layers = 4
num_heads = 4
num_kv_heads = 2
head_dim = 16
max_position = 128
[norm]
epsilon = 1e-6
add_unit_offset = true
post_attention = true
post_ffn = true
[attention]
sliding_window = 7
sliding_window_pattern = 2
logit_softcap = 2.0
scale = 0.25
[ffn]
activation = "gelu_tanh"
intermediate_size = 80
[embeddings]
tied = true
scale = 6.928203230275509
[output]
logit_softcap = 3.0
)",
     R"({"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "vocab_size": 97, "hidden_size": 48,
    "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "intermediate_size": 80, "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "query_pre_attn_scalar": 16, "sliding_window": 7, "attn_logit_softcapping": 2.0,
    "final_logit_softcapping": 3.0, "hidden_activation": "gelu_pytorch_tanh", "hidden_act": "gelu_pytorch_tanh",
    "attention_bias": false, "tie_word_embeddings": true, "torch_dtype": "float32",
    "cache_implementation": "hybrid"})",
     "gemma2",
     [](GgufWriter& w) {
         w.add_f32("gemma2.attn_logit_softcapping", 2.0f);
         w.add_f32("gemma2.final_logit_softcapping", 3.0f);
         w.add_u32("gemma2.attention.sliding_window", 7);
     }},
    {"gemma3", R"(name = "gemma3-tiny"
[model]
vocab_size = 97
hidden_size = 48
num_layers = 7
num_heads = 4
num_kv_heads = 1
head_dim = 32
max_position = 128
[norm]
epsilon = 1e-6
add_unit_offset = true
post_attention = true
post_ffn = true
[position]
theta = 1000000.0
local_theta = 10000.0
[position.rope_scaling]
type = "linear"
factor = 8.0
[attention]
sliding_window = 9
sliding_window_pattern = 6
qk_norm = true
scale = 0.17677669529663687
[ffn]
activation = "gelu_tanh"
intermediate_size = 80
[embeddings]
tied = true
scale = 6.928203230275509
)",
     R"({"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "vocab_size": 97, "hidden_size": 48,
    "num_hidden_layers": 7, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 32,
    "intermediate_size": 80, "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
    "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
    "query_pre_attn_scalar": 32, "sliding_window": 9, "sliding_window_pattern": 6,
    "final_logit_softcapping": null, "attn_logit_softcapping": null, "hidden_activation": "gelu_pytorch_tanh",
    "attention_bias": false, "torch_dtype": "float32"})",
     "gemma3",
     [](GgufWriter& w) {
         w.add_f32("gemma3.rope.freq_base", 1e6f);
         w.add_string("gemma3.rope.scaling.type", "linear");
         w.add_f32("gemma3.rope.scaling.factor", 8.0f);
         w.add_u32("gemma3.attention.sliding_window", 9);
     }},
};

}  // namespace

TEST_CASE("Gemma 2/3: a Hugging Face directory and a converter-layout GGUF load as the model they came from") {
    const fs::path root = fs::temp_directory_path() / ("vkllm-gemma-import-" + std::to_string(::getpid()));
    fs::remove_all(root);
    const std::vector<int32_t> tokens = test_tokens();
    uint64_t seed = 3;
    for (const Case& c : kCases) {
        INFO(c.name);
        const ModelConfig config = parse_config_toml_string(c.toml, c.name);
        LoadedModel original = load_model(make_model(config, seed++, DType::F32, (root / c.name).string()));
        const std::vector<float> expected = reference_forward(original.config, original.weights, tokens);

        // Hugging Face: the same floats under transformers' names, so the same
        // arithmetic: equal up to the last bit of an f32 (1e-6 relative).
        const fs::path hf_dir = root / (std::string(c.name) + "-hf");
        write_hf_dir(original, c.config_json, hf_dir);
        LoadedModel hf = load_model(hf_dir.string());
        CHECK(hf.config.norm == original.config.norm);
        CHECK(hf.config.rope == original.config.rope);
        CHECK(hf.config.attention == original.config.attention);
        CHECK(hf.config.final_logit_softcap == original.config.final_logit_softcap);
        CHECK(hf.config.embedding_scale == original.config.embedding_scale);
        CHECK(hf.config.tie_embeddings);
        CHECK(vkllm::test::relative_error(reference_forward(hf.config, hf.weights, tokens), expected) <= 1e-6);

        // GGUF: norm gains stored as float(1 + w), one rounding of values near
        // 1 (<= 6e-8 relative each); 1e-5 on the logits leaves room for that
        // and nothing for a missed +1, window or cap (each moves them by > 1e-2).
        const std::string gguf = (root / (std::string(c.name) + ".gguf")).string();
        write_gguf(original, c.gguf_arch, c.gguf_keys, gguf);
        LoadedModel g = load_model(gguf);
        CHECK_FALSE(g.config.norm.add_unit_offset);
        CHECK(g.config.norm.post_attention);
        CHECK(g.config.norm.post_ffn);
        CHECK(g.config.attention.sliding_window == original.config.attention.sliding_window);
        CHECK(g.config.attention.sliding_window_pattern == original.config.attention.sliding_window_pattern);
        CHECK(g.config.attention.logit_softcap == original.config.attention.logit_softcap);
        CHECK(g.config.attention.qk_norm == original.config.attention.qk_norm);
        CHECK(g.config.rope.local_theta == original.config.rope.local_theta);
        CHECK(g.config.rope.scaling == original.config.rope.scaling);
        CHECK(g.config.final_logit_softcap == original.config.final_logit_softcap);
        const double e = vkllm::test::relative_error(reference_forward(g.config, g.weights, tokens), expected);
        CHECK_MESSAGE(e <= 1e-5, "GGUF relative error " << e);
    }
    fs::remove_all(root);
}

namespace {

// A directory holding only config.json, for config-level checks.
ModelConfig import_json(const std::string& name, const std::string& json) {
    const fs::path dir = fs::temp_directory_path() / ("vkllm-gemma-config-" + std::to_string(::getpid())) / name;
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << json;
    ModelConfig c = import_hf_config(dir.string());
    fs::remove_all(dir.parent_path());
    return c;
}

std::string import_error(const std::string& name, const std::string& json) {
    try {
        import_json(name, json);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

const char* kGemma3Base = R"("architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "vocab_size": 97,
    "hidden_size": 48, "num_hidden_layers": 7, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 32,
    "intermediate_size": 80, "sliding_window": 9)";

}  // namespace

TEST_CASE("Gemma 3 config.json: transformers 5's layer_types and per-type rope_parameters read as the older keys") {
    const ModelConfig old = import_json("old", std::string("{") + kGemma3Base + R"(, "rope_theta": 1000000.0,
        "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "sliding_window_pattern": 6})");
    const ModelConfig v5 = import_json("v5", std::string("{") + kGemma3Base + R"(,
        "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
                        "sliding_attention", "full_attention", "sliding_attention"],
        "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
                            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}})");
    CHECK(old.rope == v5.rope);
    CHECK(old.attention == v5.attention);
    CHECK(v5.attention.sliding_window_pattern == 6);
    CHECK(v5.rope.local_theta == 10000.0);
    CHECK(v5.rope.scaling == RopeScaling::Linear);
    // Defaults of Gemma3TextConfig: rope_theta 1e6, local 10000, pattern 6, query_pre_attn_scalar = head_dim here.
    const ModelConfig defaults = import_json("defaults", std::string("{") + kGemma3Base + "}");
    CHECK(defaults.rope.theta == 1e6);
    CHECK(defaults.rope.local_theta == 10000.0);
    CHECK(defaults.attention.sliding_window_pattern == 6);
    CHECK(defaults.attention.qk_norm);
    CHECK(defaults.final_logit_softcap == 0.0);
    // All layers global: no window left, nor a local RoPE base.
    const ModelConfig global = import_json("global", std::string("{") + kGemma3Base + R"(, "sliding_window_pattern": 1})");
    CHECK(global.attention.sliding_window == 0);
    CHECK(global.rope.local_theta == 0.0);
}

TEST_CASE("Gemma 2 config.json: the query scale, layer_types and errors") {
    const std::string base = R"("architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "vocab_size": 97,
        "hidden_size": 4608, "num_hidden_layers": 4, "num_attention_heads": 32, "num_key_value_heads": 16,
        "head_dim": 128, "intermediate_size": 80, "sliding_window": 4096, "attn_logit_softcapping": 50.0,
        "final_logit_softcapping": 30.0)";
    // Gemma 2 27B: query_pre_attn_scalar = hidden / heads = 144, not head_dim.
    const ModelConfig c = import_json("scale", "{" + base + R"(, "query_pre_attn_scalar": 144})");
    CHECK(c.attention.scale == doctest::Approx(1.0 / 12.0).epsilon(1e-15));
    CHECK(c.attention.logit_softcap == 50.0);
    CHECK(c.final_logit_softcap == 30.0);
    CHECK(c.attention.sliding_window_pattern == 2);
    CHECK(layer_uses_window(c, 0));
    CHECK_FALSE(layer_uses_window(c, 1));
    const ModelConfig typed = import_json("typed", "{" + base + R"(, "layer_types": ["sliding_attention",
        "full_attention", "sliding_attention", "full_attention"]})");
    CHECK(typed.attention.sliding_window_pattern == 2);

    CHECK(import_error("irregular", "{" + base + R"(, "layer_types": ["sliding_attention", "full_attention",
        "full_attention", "sliding_attention"]})")
              .find("'layer_types': global layers must repeat every 2 layers (layer 2 breaks the pattern)") !=
          std::string::npos);
    CHECK(import_error("short", "{" + base + R"(, "layer_types": ["sliding_attention"]})")
              .find("'layer_types': expected an array of 4 layer types") != std::string::npos);
    CHECK(import_error("chunked", "{" + base + R"(, "layer_types": ["chunked_attention", "full_attention",
        "sliding_attention", "full_attention"]})")
              .find("unsupported layer type \"chunked_attention\"") != std::string::npos);
    CHECK(import_error("cap", "{" + base + R"(, "attn_logit_softcapping": -1.0})")
              .find("'attn_logit_softcapping': must be a finite number >= 0") != std::string::npos);
    CHECK(import_error("scalar", "{" + base + R"(, "query_pre_attn_scalar": 0})")
              .find("'query_pre_attn_scalar': must be > 0") != std::string::npos);
    CHECK(import_error("bidi", std::string("{") + kGemma3Base + R"(, "use_bidirectional_attention": true})")
              .find("bidirectional Gemma 3") != std::string::npos);
    CHECK(import_error("rope", std::string("{") + kGemma3Base + R"(, "rope_parameters": {"sliding_attention":
        {"rope_type": "linear", "factor": 2.0}}})")
              .find("'rope_parameters.sliding_attention.rope_type': only 'default' RoPE") != std::string::npos);
}

TEST_CASE("Gemma GGUF metadata: llama.cpp's attention scale rule and bad soft-cap values") {
    // Metadata only (vocab_size stands in for the embedding's rows).
    auto config_of = [](const std::string& arch, uint32_t layers, const std::function<void(GgufWriter&)>& extra) {
        const std::string path =
            (fs::temp_directory_path() / ("vkllm-gemma-meta-" + std::to_string(::getpid()) + ".gguf")).string();
        GgufWriter w;
        w.add_string("general.architecture", arch);
        w.add_u32(arch + ".embedding_length", 4608);
        w.add_u32(arch + ".block_count", layers);
        w.add_u32(arch + ".feed_forward_length", 64);
        w.add_u32(arch + ".attention.head_count", 32);
        w.add_u32(arch + ".attention.head_count_kv", 16);
        w.add_u32(arch + ".attention.key_length", 128);
        w.add_u32(arch + ".attention.value_length", 128);
        w.add_u32(arch + ".vocab_size", 64);
        extra(w);
        w.write_header(path);
        w.close();
        struct Remove {
            std::string p;
            ~Remove() { fs::remove(p); }
        } remove{path};
        return gguf_to_config(GgufFile::open(path));
    };
    auto none = [](GgufWriter&) {};
    // 46 layers is Gemma 2 27B, 62 Gemma 3 27B: scale (4608 / 32)^-0.5; other sizes 1/sqrt(head_dim) (scale 0).
    CHECK(config_of("gemma2", 46, none).attention.scale == doctest::Approx(1.0 / 12.0).epsilon(1e-15));
    CHECK(config_of("gemma3", 62, none).attention.scale == doctest::Approx(1.0 / 12.0).epsilon(1e-15));
    CHECK(config_of("gemma2", 42, none).attention.scale == 0.0);
    // Gemma 2 without the key: llama.cpp's default window of 4096; Gemma 3 without it: no window.
    const ModelConfig g2 = config_of("gemma2", 42, none);
    CHECK(g2.attention.sliding_window == 4096);
    CHECK(g2.attention.sliding_window_pattern == 2);
    const ModelConfig g3 = config_of("gemma3", 26, none);
    CHECK(g3.attention.sliding_window == 0);
    CHECK(g3.rope.local_theta == 0.0);
    CHECK_THROWS_WITH(config_of("gemma2", 42, [](GgufWriter& w) { w.add_string("gemma2.final_logit_softcapping", "30"); }),
                      doctest::Contains("metadata 'gemma2.final_logit_softcapping' must be a finite number"));
    CHECK_THROWS_WITH(validate(config_of("gemma2", 42, [](GgufWriter& w) { w.add_f32("gemma2.attn_logit_softcapping", -5.f); })),
                      doctest::Contains("attention.logit_softcap: must be >= 0"));
}
