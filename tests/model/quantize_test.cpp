// `vkllm quantize` end to end: Hugging Face directories and GGUF files in,
// GGUF files out that our reader parses key by key and our loader runs; CPU
// reference logits of every type within its stated distance of the
// unquantized model.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "model/gguf_file.h"
#include "model/load.h"
#include "model/make_model.h"
#include "model/quantize.h"
#include "model/safetensors_writer.h"
#include "reference/reference.h"
#include "support/cli_runner.h"
#include "tokenizer/gguf_tokenizer_export.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"
#include "support/fixture_files.h"
#include "support/logit_compare.h"

using namespace vkllm;
using vkllm::test::relative_error;

namespace {

namespace fs = std::filesystem;

const std::string kRoot = VKLLM_SOURCE_DIR;
const std::string kLlamaGqa = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/llama_gqa";
const std::string kDefault = kRoot + "/models/default";

std::string temp_path(const std::string& name) { return (fs::temp_directory_path() / ("vkllm_quantize_" + std::to_string(getpid()) + "_" + name)).string(); }

std::string quantize(const std::string& input, const std::string& type, const std::string& name,
                     std::vector<std::string>* log = nullptr) {
    QuantizeOptions o;
    o.input = input;
    o.output = temp_path(name + "_" + type + ".gguf");
    o.type = type;
    o.log = [log](const std::string& line) {
        if (log) log->push_back(line);
    };
    quantize_model(o);
    return o.output;
}



struct LogitBound {
    const char* type;
    double llama_gqa, default_model;  // ‖logits − f32 logits‖ / ‖f32 logits‖
};

// Measured on the fixtures below. llama_gqa has random f32 weights and
// hidden size 128, so 256-value K-quant rows fall back to Q8_0 except
// ffn_down, and random weights pass quantization noise through undamped;
// the default model has trained f16 weights and its ffn_down rows of 688
// values stay F16 for every type.
//   type     llama_gqa  default model
//   f16      6.9e-4     4.8e-8 (the checkpoint is f16)
//   q8_0     1.95e-2    2.96e-3
//   q6_k     2.51e-2    9.76e-3
//   q5_k_m   3.94e-2    1.39e-2
//   q5_k     4.02e-2    1.44e-2
//   q4_k_m   6.14e-2    2.42e-2
//   q4_k     6.66e-2    2.48e-2
//   q4_0     2.95e-1    2.88e-2
// Bounds: 1.3x the measurement. The encoders are deterministic, so the margin
// only covers summation order across compilers; a block decoded or encoded
// wrongly moves the error to order 1.
const LogitBound kBounds[] = {
    {"f16", 9e-4, 1e-6},         {"q8_0", 2.5e-2, 3.9e-3},  {"q6_k", 3.3e-2, 1.27e-2}, {"q5_k_m", 5.1e-2, 1.8e-2},
    {"q5_k", 5.2e-2, 1.87e-2},   {"q4_k_m", 8e-2, 3.15e-2}, {"q4_k", 8.7e-2, 3.2e-2},  {"q4_0", 3.8e-1, 3.75e-2},
};

// A small random Qwen2 (q/k/v bias) or Qwen3 (per-head q/k norms) checkpoint
// in Hugging Face layout, written into `dir`.
void write_qwen_dir(const std::string& dir, bool qwen3) {
    fs::create_directories(dir);
    const int hidden = 256, layers = 2, heads = 4, kv = 2, head_dim = 16, inter = 128, vocab = 96;
    std::ofstream(dir + "/config.json") << "{\"architectures\": [\"" << (qwen3 ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM")
                                        << "\"], \"hidden_size\": " << hidden << ", \"num_hidden_layers\": " << layers
                                        << ", \"num_attention_heads\": " << heads << ", \"num_key_value_heads\": " << kv
                                        << ", \"head_dim\": " << head_dim << ", \"intermediate_size\": " << inter
                                        << ", \"vocab_size\": " << vocab
                                        << ", \"max_position_embeddings\": 128, \"rms_norm_eps\": 1e-6, \"rope_theta\": "
                                           "1000000.0, \"hidden_act\": \"silu\", \"tie_word_embeddings\": false}";
    std::vector<SafetensorsEntry> entries;
    auto add = [&](const std::string& name, std::vector<uint64_t> shape) { entries.push_back({name, DType::F32, shape}); };
    const uint64_t q = heads * head_dim, k = kv * head_dim;
    add("model.embed_tokens.weight", {vocab, hidden});
    for (int i = 0; i < layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        add(p + "input_layernorm.weight", {hidden});
        add(p + "self_attn.q_proj.weight", {q, hidden});
        add(p + "self_attn.k_proj.weight", {k, hidden});
        add(p + "self_attn.v_proj.weight", {k, hidden});
        if (!qwen3) {
            add(p + "self_attn.q_proj.bias", {q});
            add(p + "self_attn.k_proj.bias", {k});
            add(p + "self_attn.v_proj.bias", {k});
        } else {
            add(p + "self_attn.q_norm.weight", {head_dim});
            add(p + "self_attn.k_norm.weight", {head_dim});
        }
        add(p + "self_attn.o_proj.weight", {hidden, q});
        add(p + "post_attention_layernorm.weight", {hidden});
        add(p + "mlp.gate_proj.weight", {inter, hidden});
        add(p + "mlp.up_proj.weight", {inter, hidden});
        add(p + "mlp.down_proj.weight", {hidden, inter});
    }
    add("model.norm.weight", {hidden});
    add("lm_head.weight", {vocab, hidden});
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0, 1);
    SafetensorsWriter w(dir + "/model.safetensors", entries);
    for (const SafetensorsEntry& e : entries) {
        uint64_t n = 1;
        for (uint64_t d : e.shape) n *= d;
        const bool norm = e.name.find("norm") != std::string::npos;
        std::vector<float> v(n);
        for (float& x : v) x = norm ? 1.0f + 0.1f * normal(rng) : 0.1f * normal(rng);
        w.write(v.data(), v.size() * 4);
    }
    w.finish();
}

const std::vector<int32_t> kGqaTokens = {1, 17, 42, 99, 200, 3, 77, 150, 255, 0, 64, 128};

}  // namespace

TEST_CASE("quantize llama_gqa: every type loads and its logits stay near the f32 model") {
    LoadedModel base = load_model(kLlamaGqa);
    const std::vector<float> want = reference_forward(base.config, base.weights, kGqaTokens);
    for (const LogitBound& b : kBounds) {
        const std::string type_name = b.type;
        CAPTURE(type_name);
        const std::string path = quantize(kLlamaGqa, b.type, "llama_gqa");
        LoadedModel q = load_model(path);
        CHECK(q.config.hidden_size == base.config.hidden_size);
        CHECK(q.config.num_layers == base.config.num_layers);
        CHECK(q.config.num_heads == base.config.num_heads);
        CHECK(q.config.kv_heads() == base.config.kv_heads());
        CHECK(q.config.head_size() == base.config.head_size());
        CHECK(q.config.vocab_size == base.config.vocab_size);
        CHECK(q.config.ffn.intermediate_size == base.config.ffn.intermediate_size);
        CHECK(q.config.norm.epsilon == doctest::Approx(base.config.norm.epsilon));
        CHECK(q.config.rope.theta == doctest::Approx(base.config.rope.theta));
        CHECK(q.config.tie_embeddings == base.config.tie_embeddings);
        CHECK(q.config.max_position == base.config.max_position);
        const double err = relative_error(reference_forward(q.config, q.weights, kGqaTokens), want);
        MESSAGE(std::string(b.type) << ": llama_gqa logits relative error " << err);
        CHECK(err < b.llama_gqa);
        fs::remove(path);
    }
}

TEST_CASE("quantize to f32: every llama-family fixture round trips through our GGUF loader") {
    // f32 stores the weights exactly, so the logits match up to summation order.
    for (const char* name : {"llama_gqa", "llama_mqa", "llama_mha_ropescaled", "mistral_swa"}) {
        const std::string fixture = name;
        CAPTURE(fixture);
        const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name;
        LoadedModel base = load_model(dir);
        const std::string path = quantize(dir, "f32", name);
        LoadedModel q = load_model(path);
        CHECK(q.config.attention.sliding_window == base.config.attention.sliding_window);
        CHECK(q.config.rope.scaling == base.config.rope.scaling);
        CHECK(q.config.rope.factor == doctest::Approx(base.config.rope.factor));
        std::vector<int32_t> tokens;
        for (int32_t t : kGqaTokens) tokens.push_back(t % int32_t(base.config.vocab_size));
        const double err = relative_error(reference_forward(q.config, q.weights, tokens),
                                          reference_forward(base.config, base.weights, tokens));
        CHECK(err < 1e-5);
        fs::remove(path);
    }
}

TEST_CASE("quantize a model config of ours with Llama-3 RoPE scaling: rope_freqs.weight carries the scaling") {
    // make-model writes a TOML + safetensors model with no Hugging Face
    // architecture; it exports as the llama family. Llama-3 scaling has no GGUF
    // keys: the converter's per-pair divisors in rope_freqs.weight reproduce it,
    // so the f32 export's logits match the TOML model's up to summation order
    // and the divisors' f32 rounding (1e-5).
    const std::string toml = R"(name = "tiny-llama3"
kind = "decoder_only"
[model]
vocab_size = 256
hidden_size = 64
num_layers = 2
num_heads = 4
num_kv_heads = 2
max_position = 256
[norm]
type = "rmsnorm"
epsilon = 1e-5
[position]
type = "rope"
theta = 10000.0
[position.rope_scaling]
type = "llama3"
factor = 8.0
low_freq_factor = 1.0
high_freq_factor = 4.0
original_max_position = 64
[ffn]
gated = true
activation = "silu"
intermediate_size = 128
)";
    const std::string dir = temp_path("llama3_toml");
    fs::remove_all(dir);
    const std::string model_toml = make_model(parse_config_toml_string(toml, "tiny-llama3.toml"), 7, DType::F32, dir);
    LoadedModel base = load_model(model_toml);
    const std::string path = quantize(model_toml, "f32", "llama3_toml");
    LoadedModel q = load_model(path);
    REQUIRE(q.config.rope.frequency_factors.size() == 8);
    CHECK(q.config.rope.frequency_factors.front() == doctest::Approx(1.0));  // short wavelengths kept
    CHECK(q.config.rope.frequency_factors.back() == doctest::Approx(8.0));   // long ones divided by the factor
    std::vector<int32_t> tokens;
    for (int32_t t : kGqaTokens) tokens.push_back(t % 256);
    const double err =
        relative_error(reference_forward(q.config, q.weights, tokens), reference_forward(base.config, base.weights, tokens));
    CAPTURE(err);
    CHECK(err < 1e-5);
    fs::remove(path);
    fs::remove_all(dir);
}

TEST_CASE("quantize Qwen2 and Qwen3 directories: no q/k permutation, biases and q/k norms carried") {
    for (bool qwen3 : {false, true}) {
        const std::string arch = qwen3 ? "qwen3" : "qwen2";
        CAPTURE(arch);
        const std::string dir = temp_path(arch + "_hf");
        write_qwen_dir(dir, qwen3);
        LoadedModel base = load_model(dir);
        const std::vector<int32_t> tokens = {1, 5, 17, 42, 95, 0, 33};
        const std::vector<float> want = reference_forward(base.config, base.weights, tokens);
        const std::string path = quantize(dir, "f32", arch);
        GgufFile f = GgufFile::open(path);
        CHECK(f.find("general.architecture")->string == arch);
        CHECK(f.find_tensor(qwen3 ? "blk.1.attn_k_norm.weight" : "blk.1.attn_v.bias") != nullptr);
        const std::vector<float> q_hf = to_f32(base.weights.get("layers.0.attn.q.weight"));
        CHECK(to_f32(f.view(*f.find_tensor("blk.0.attn_q.weight"))) == q_hf);
        LoadedModel q = load_model(path);
        CHECK(q.config.attention.qk_norm == qwen3);
        CHECK(q.config.attention.qkv_bias == !qwen3);
        CHECK(q.config.rope.theta == doctest::Approx(1e6));
        CHECK(relative_error(reference_forward(q.config, q.weights, tokens), want) < 1e-5);
        // Rows of 256 values take Q4_K (Q6_K for attn_v of the last layer);
        // ffn_down's rows of 128 fall back to Q8_0.
        const std::string q4 = quantize(dir, "q4_k_m", arch);
        GgufFile g = GgufFile::open(q4);
        CHECK(g.find_tensor("blk.0.attn_q.weight")->dtype == DType::Q4_K);
        CHECK(g.find_tensor("blk.0.attn_v.weight")->dtype == DType::Q4_K);
        CHECK(g.find_tensor("blk.1.attn_v.weight")->dtype == DType::Q6_K);
        CHECK(g.find_tensor("output.weight")->dtype == DType::Q6_K);
        CHECK(g.find_tensor("blk.0.ffn_down.weight")->dtype == DType::Q8_0);
        LoadedModel q4m = load_model(q4);
        // Measured 0.31 (qwen2) and 0.28 (qwen3): random weights pass the
        // 4-bit noise of every matrix through undamped; a wrongly laid out
        // block would land at ~1.
        CHECK(relative_error(reference_forward(q4m.config, q4m.weights, tokens), want) < 0.4);
        fs::remove(path);
        fs::remove(q4);
        fs::remove_all(dir);
    }
}

TEST_CASE("quantize llama_gqa: the file parses with every key and tensor type as the rules say") {
    std::vector<std::string> log;
    const std::string path = quantize(kLlamaGqa, "q4_k_m", "llama_gqa_keys", &log);
    GgufFile f = GgufFile::open(path);
    CHECK(f.version() == 3);
    CHECK(f.alignment() == 32);
    CHECK(f.data_offset() % 32 == 0);
    auto u32 = [&](const char* key) {
        const GgufValue* v = f.find(key);
        REQUIRE_MESSAGE(v, key);
        CHECK(v->type == GgufType::UInt32);
        return *v->as_uint();
    };
    CHECK(f.find("general.architecture")->string == "llama");
    CHECK(f.find("general.type")->string == "model");
    CHECK(u32("general.alignment") == 32);
    CHECK(u32("general.file_type") == 15);  // llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M
    CHECK(u32("general.quantization_version") == 2);
    CHECK(u32("llama.block_count") == 2);
    CHECK(u32("llama.embedding_length") == 128);
    CHECK(u32("llama.feed_forward_length") == 256);
    CHECK(u32("llama.attention.head_count") == 8);
    CHECK(u32("llama.attention.head_count_kv") == 2);
    CHECK(u32("llama.context_length") == 256);
    CHECK(u32("llama.rope.dimension_count") == 16);
    CHECK(u32("llama.vocab_size") == 256);
    CHECK(f.find("llama.rope.freq_base")->type == GgufType::Float32);
    CHECK(*f.find("llama.attention.layer_norm_rms_epsilon")->as_double() == doctest::Approx(1e-5));
    CHECK(f.find("tokenizer.ggml.model") == nullptr);  // the fixture has no tokenizer.json
    // Exactly the keys llama.cpp's converter writes for this model (no tokenizer, no RoPE scaling).
    std::set<std::string> keys;
    for (const auto& [key, value] : f.metadata()) keys.insert(key);
    CHECK(keys == std::set<std::string>{"general.alignment", "general.architecture", "general.file_type", "general.name",
                                        "general.quantization_version", "general.type", "llama.attention.head_count",
                                        "llama.attention.head_count_kv", "llama.attention.key_length",
                                        "llama.attention.layer_norm_rms_epsilon", "llama.attention.value_length",
                                        "llama.block_count", "llama.context_length", "llama.embedding_length",
                                        "llama.feed_forward_length", "llama.rope.dimension_count", "llama.rope.freq_base",
                                        "llama.vocab_size"});

    // Rows of 128 values cannot hold 256-value K blocks: Q8_0 with a note.
    // ffn_down (rows of 256) is Q4_K in layer 0 and Q6_K in layer 1 (the last
    // eighth of 2 layers); attn_v falls back like the other 128-column matrices.
    std::map<std::string, DType> types;
    for (const GgufTensorInfo& t : f.tensors()) {
        CHECK(t.offset % 32 == 0);
        types[t.name] = t.dtype;
    }
    CHECK(types.size() == 2 * 9 + 3);
    CHECK(types.at("token_embd.weight") == DType::Q8_0);
    CHECK(types.at("output.weight") == DType::Q8_0);
    CHECK(types.at("output_norm.weight") == DType::F32);
    CHECK(types.at("blk.0.attn_norm.weight") == DType::F32);
    CHECK(types.at("blk.0.attn_q.weight") == DType::Q8_0);
    CHECK(types.at("blk.0.ffn_down.weight") == DType::Q4_K);
    CHECK(types.at("blk.1.ffn_down.weight") == DType::Q6_K);
    CHECK(types.at("blk.1.attn_v.weight") == DType::Q8_0);
    bool noted = false;
    for (const std::string& line : log) noted |= line.find("blk.0.attn_q.weight': rows of 128 values") != std::string::npos;
    CHECK(noted);
    const GgufTensorInfo* q = f.find_tensor("blk.0.attn_q.weight");
    CHECK(q->ne == std::vector<uint64_t>{128, 128});
    fs::remove(path);
}

TEST_CASE("quantize: the llama q/k rows are permuted as the converter writes them") {
    // F32 output: row r of GGUF attn_k is HF row h*d + (r%d%2)*d/2 + (r%d)/2.
    const std::string path = quantize(kLlamaGqa, "f32", "llama_gqa_perm");
    GgufFile f = GgufFile::open(path);
    LoadedModel base = load_model(kLlamaGqa);
    const TensorView& hf = base.weights.get("layers.0.attn.k.weight");
    const std::vector<float> want = to_f32(hf);
    const std::vector<float> got = to_f32(f.view(*f.find_tensor("blk.0.attn_k.weight")));
    const uint64_t d = 16, cols = 128;
    for (uint64_t r = 0; r < 32; ++r) {
        const uint64_t from = r / d * d + (r % d % 2) * (d / 2) + (r % d) / 2;
        for (uint64_t c = 0; c < cols; ++c) REQUIRE(got[r * cols + c] == want[from * cols + c]);
    }
    fs::remove(path);
}

TEST_CASE("quantize the default model: logits per type, tokenizer carried over, GGUF input") {
    LoadedModel base = load_model(kDefault);
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(base.config.tokenizer);
    const std::string text = vkllm::test::read_text_file(kDefault + "/heldout.txt");
    std::vector<int32_t> tokens = tok.encode(text.substr(0, 400), true);
    const std::vector<float> want = reference_forward(base.config, base.weights, tokens);

    // The tokenizer metadata rebuilds a tokenizer that encodes the held-out text identically.
    std::string why;
    auto meta = tokenizer::gguf_metadata_from_tokenizer_json(base.config.tokenizer, base.config.vocab_size, why);
    REQUIRE_MESSAGE(meta, why);
    CHECK(meta->pre == "gpt2");
    tokenizer::Tokenizer from_meta = tokenizer::from_gguf_metadata(*meta);
    CHECK(from_meta.encode(text, true) == tok.encode(text, true));

    for (const LogitBound& b : kBounds) {
        const std::string type_name = b.type;
        CAPTURE(type_name);
        std::vector<std::string> log;
        const std::string path = quantize(kDefault, b.type, "default", &log);
        LoadedModel q = load_model(path);
        const double err = relative_error(reference_forward(q.config, q.weights, tokens), want);
        MESSAGE(std::string(b.type) << ": default model logits relative error " << err);
        CHECK(err < b.default_model);
        GgufFile f = GgufFile::open(path);
        CHECK(f.find("tokenizer.ggml.model")->string == "gpt2");
        CHECK(f.find("tokenizer.ggml.tokens")->array->count == 4096);
        CHECK(f.find("tokenizer.ggml.merges")->array->count == 3838);
        CHECK(f.find("tokenizer.ggml.bos_token_id")->as_uint() == 0u);
        CHECK(f.find("tokenizer.ggml.eos_token_id")->as_uint() == 1u);
        CHECK(f.find("output.weight") == nullptr);
        const DType embd = f.find_tensor("token_embd.weight")->dtype;
        // Tied embeddings double as the output head: Q6_K below Q6_K (Q8_0 keeps Q8_0).
        const std::string type = b.type;
        if (type == "q4_k_m" || type == "q5_k_m" || type == "q4_0" || type == "q4_k" || type == "q5_k")
            CHECK(embd == DType::Q6_K);
        // ffn_down rows of 688 values fill neither 256- nor 32-value blocks.
        if (type != "f16") CHECK(f.find_tensor("blk.0.ffn_down.weight")->dtype == DType::F16);
        fs::remove(path);
    }

    // GGUF in: an F16 GGUF quantized again gives the same tensor bytes as the directory.
    const std::string f16 = quantize(kDefault, "f16", "default_src");
    const std::string from_gguf = quantize(f16, "q4_k_m", "default_from_gguf");
    const std::string from_hf = quantize(kDefault, "q4_k_m", "default_from_hf");
    GgufFile a = GgufFile::open(from_gguf), c = GgufFile::open(from_hf);
    REQUIRE(a.tensors().size() == c.tensors().size());
    for (size_t i = 0; i < a.tensors().size(); ++i) {
        CAPTURE(a.tensors()[i].name);
        REQUIRE(a.tensors()[i].name == c.tensors()[i].name);
        REQUIRE(a.tensors()[i].bytes == c.tensors()[i].bytes);
        CHECK(std::memcmp(a.view(a.tensors()[i]).data, c.view(c.tensors()[i]).data, a.tensors()[i].bytes) == 0);
    }
    CHECK(a.find("tokenizer.ggml.merges")->array->count == 3838);
    CHECK(a.find("general.file_type")->as_uint() == 15u);
    // A quantized GGUF is not taken as input.
    CHECK_THROWS_WITH_AS(quantize(from_hf, "q8_0", "requantized"), doctest::Contains("quantize reads only F32/F16/BF16"),
                         InputError);
    for (const std::string& p : {f16, from_gguf, from_hf}) fs::remove(p);
}

TEST_CASE("vkllm quantize: clear errors") {
    auto r = test::run_cli("quantize " + kLlamaGqa + " " + temp_path("x.gguf") + " q3_x");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("unknown quantization type 'q3_x' (valid: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, q4_k_m, q5_k_m)") !=
          std::string::npos);
    r = test::run_cli("quantize " + kLlamaGqa + " /nonexistent-folder/x.gguf q8_0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("/nonexistent-folder") != std::string::npos);
    r = test::run_cli("quantize " + kRoot + "/README.md " + temp_path("x.gguf") + " q8_0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("expected a Hugging Face directory, a model .toml or an F32/F16/BF16 .gguf file") != std::string::npos);
    r = test::run_cli("quantize " + std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/gpt2_abs " + temp_path("x.gguf") + " q8_0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("Hugging Face architecture 'GPT2LMHeadModel' has no GGUF export (supported: LlamaForCausalLM, "
                        "MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)") != std::string::npos);
    r = test::run_cli("quantize " + std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/mixtral_moe " + temp_path("x.gguf") + " q8_0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("Hugging Face architecture 'MixtralForCausalLM' has no GGUF export") != std::string::npos);
    CHECK(!fs::exists(temp_path("x.gguf")));
    CHECK(!fs::exists(temp_path("x.gguf.partial")));
    r = test::run_cli("quantize " + kLlamaGqa + " " + temp_path("cli.gguf") + " Q8_0");
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("wrote ") != std::string::npos);
    CHECK(r.output.find("[1/21] token_embd.weight [256, 128] f32 -> q8_0") != std::string::npos);
    fs::remove(temp_path("cli.gguf"));
}

TEST_CASE("quantize: the file does not depend on the number of encoder threads") {
    std::string first;
    for (uint32_t threads : {1u, 3u}) {
        QuantizeOptions o;
        o.input = kDefault;
        o.output = temp_path("threads_" + std::to_string(threads) + ".gguf");
        o.type = "q4_k_m";
        o.threads = threads;
        quantize_model(o);
        const std::string bytes = vkllm::test::read_text_file(o.output);
        if (first.empty()) first = bytes;
        else CHECK(bytes == first);
        fs::remove(o.output);
    }
}

TEST_CASE("vkllm run on a quantized default model: the GGUF tokenizer (BOS flag included) and weights give the same greedy text") {
    // f16 holds the checkpoint's weights exactly, so greedy decoding must agree
    // token for token; the prompt count shows that <|bos|> was added from the
    // file's tokenizer.ggml.add_bos_token (a GGUF bool).
    const std::string path = quantize(kDefault, "f16", "run");
    const std::string args = " -p \"And God said\" -n 12 --greedy";
    const auto want = test::run_cli("run -m " + kDefault + args);
    const auto got = test::run_cli("run -m " + path + args);
    REQUIRE(want.exit_code == 0);
    REQUIRE(got.exit_code == 0);
    auto text = [](const std::string& out) {  // between the device line and the statistics
        const size_t start = out.find('\n') + 1;
        return out.substr(start, out.find("vkllm: prompt") - start);
    };
    CHECK(text(got.output) == text(want.output));
    CHECK(got.output.find("prompt 4 tokens") != std::string::npos);
    fs::remove(path);
}

TEST_CASE("quantize a make-model TOML model: llama structure, f32 exact, q8_0 close") {
    const std::string dir = temp_path("tiny_llama");
    const ModelConfig config = parse_config_toml(kRoot + "/configs/models/tiny-llama.toml");
    const std::string toml = make_model(config, 7, DType::F32, dir);
    LoadedModel base = load_model(toml);
    const std::vector<int32_t> tokens = {3, 9, 27, 81, 243, 1};
    const std::vector<float> want = reference_forward(base.config, base.weights, tokens);
    for (const char* type : {"f32", "q8_0"}) {
        const std::string type_name = type;
        CAPTURE(type_name);
        const std::string path = quantize(toml, type, "tiny_llama");
        GgufFile f = GgufFile::open(path);
        CHECK(f.find("general.architecture")->string == "llama");
        LoadedModel q = load_model(path);
        const double err = relative_error(reference_forward(q.config, q.weights, tokens), want);
        MESSAGE(type_name << ": tiny-llama logits relative error " << err);
        // q8_0 measured 1.56e-2 (random weights, every matrix in Q8_0); f32 gives 0.
        CHECK(err < (type_name == "f32" ? 1e-5 : 2e-2));
        fs::remove(path);
    }
    fs::remove_all(dir);
}
