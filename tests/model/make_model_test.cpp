#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "model/expected_tensors.h"
#include "model/load.h"
#include "model/make_model.h"
#include "model/safetensors_writer.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

const char* vkllm_test_minimal_config =
    "[model]\nvocab_size = 16\nhidden_size = 8\nnum_layers = 1\nnum_heads = 2\n[ffn]\nintermediate_size = 8\n";

std::string data_config(const char* name) { return std::string(VKLLM_TEST_DATA_DIR) + "/configs/" + name; }

// A fresh folder under the system temp dir, removed at scope exit.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& tag) {
        path = fs::temp_directory_path() / ("vkllm-" + tag + "-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string sub(const std::string& name) const { return (path / name).string(); }
};

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

LoadedModel load_made(const std::string& dir) {
    LoadedModel m;
    m.config = parse_config_toml(dir + "/model.toml");
    m.weights = load_safetensors_weights(m.config, dir + "/" + m.config.weights);
    check_weights(m.config, m.weights);
    return m;
}

}  // namespace

TEST_CASE("make-model is deterministic for a seed and differs across seeds") {
    TempDir tmp("make-model-seed");
    ModelConfig c = parse_config_toml(std::string(VKLLM_SOURCE_DIR) + "/configs/models/tiny-llama.toml");
    make_model(c, 7, DType::F32, tmp.sub("a"));
    make_model(c, 7, DType::F32, tmp.sub("b"));
    make_model(c, 8, DType::F32, tmp.sub("c"));
    const std::string a = file_bytes(tmp.sub("a/model.safetensors"));
    CHECK(a.size() > 100000);
    CHECK(a == file_bytes(tmp.sub("b/model.safetensors")));
    CHECK(a != file_bytes(tmp.sub("c/model.safetensors")));
    CHECK(file_bytes(tmp.sub("a/model.toml")) == file_bytes(tmp.sub("b/model.toml")));
}

TEST_CASE("make-model output has an aligned safetensors header listing every expected tensor") {
    TempDir tmp("make-model-header");
    ModelConfig c = parse_config_toml(data_config("tiny-moe.toml"));
    make_model(c, 3, DType::BF16, tmp.path.string());
    const std::string bytes = file_bytes(tmp.sub("model.safetensors"));
    REQUIRE(bytes.size() > 8);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; ++i) header_len |= uint64_t(uint8_t(bytes[i])) << (8 * i);
    CHECK((8 + header_len) % 8 == 0);
    const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    CHECK(header["__metadata__"]["seed"] == "3");

    uint64_t expected_offset = 0;
    const auto expected = expected_tensors(c);
    CHECK(header.size() == expected.size() + 1);
    for (const auto& t : expected) {  // written in list order, back to back
        INFO(t.name);
        REQUIRE(header.contains(t.name));
        const auto& entry = header[t.name];
        CHECK(entry["dtype"] == "BF16");
        CHECK(entry["shape"].get<std::vector<uint64_t>>() == t.shape);
        uint64_t elements = 1;
        for (uint64_t d : t.shape) elements *= d;
        CHECK(entry["data_offsets"][0].get<uint64_t>() == expected_offset);
        expected_offset += elements * 2;
        CHECK(entry["data_offsets"][1].get<uint64_t>() == expected_offset);
    }
    CHECK(bytes.size() == 8 + header_len + expected_offset);
}

TEST_CASE("make-model output loads and passes check_weights, in each dtype") {
    for (const char* config : {"tiny-moe.toml", "tiny-gpt2.toml"}) {
        for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
            INFO(config, " ", dtype_name(dtype));
            TempDir tmp("make-model-load");
            make_model(parse_config_toml(data_config(config)), 11, dtype, tmp.path.string());
            LoadedModel m = load_made(tmp.path.string());
            CHECK(m.config.weight_format == "safetensors");
            CHECK(m.weights.get("token_embd.weight").dtype == dtype);
        }
    }
}

TEST_CASE("make-model weights have realistic scales and are never all zero") {
    TempDir tmp("make-model-scale");
    ModelConfig c = parse_config_toml(data_config("tiny-gpt2.toml"));
    make_model(c, 5, DType::F32, tmp.path.string());
    LoadedModel m = load_made(tmp.path.string());
    for (const auto& t : expected_tensors(c)) {
        INFO(t.name);
        std::vector<float> v = to_f32(m.weights.get(t.name));
        double sum = 0, sum_sq = 0;
        for (float x : v) sum += x, sum_sq += double(x) * x;
        const double mean = sum / v.size();
        const double stddev = std::sqrt(std::max(0.0, sum_sq / v.size() - mean * mean));
        CHECK(stddev > 0);
        switch (t.role) {
            case TensorRole::NormWeight:  // gains near 1, not exactly 1
                CHECK(mean == doctest::Approx(1.0).epsilon(0.05));
                break;
            case TensorRole::Linear:  // 1/sqrt(fan_in); loose because small tensors sample few values
                CHECK(stddev == doctest::Approx(1.0 / std::sqrt(double(t.shape.back()))).epsilon(0.3));
                break;
            case TensorRole::Bias:
            case TensorRole::NormBias: CHECK(stddev < 0.05); break;
            case TensorRole::Embedding: CHECK(stddev == doctest::Approx(1.0 / std::sqrt(24.0)).epsilon(0.3)); break;
        }
    }
}

TEST_CASE("make-model writes a config whose weights path is the new file") {
    TempDir tmp("make-model-config");
    ModelConfig c = parse_config_toml(data_config("tiny-moe.toml"));
    make_model(c, 1, DType::F16, tmp.path.string());
    ModelConfig written = parse_config_toml(tmp.sub("model.toml"));
    CHECK(written.weights == "model.safetensors");
    CHECK(written.weight_format == "safetensors");
    written.weights = c.weights;
    written.weight_format = c.weight_format;
    written.source_path = c.source_path;
    CHECK(written == c);
}

TEST_CASE("make-model refuses quantized output and invalid configs") {
    TempDir tmp("make-model-bad");
    ModelConfig c = parse_config_toml(data_config("tiny-moe.toml"));
    CHECK_THROWS_WITH_AS(make_model(c, 1, DType::Q8_0, tmp.path.string()), doctest::Contains("q8_0"), InputError);
    c.num_kv_heads = 3;
    CHECK_THROWS_AS(make_model(c, 1, DType::F32, tmp.path.string()), InputError);
    CHECK_FALSE(fs::exists(tmp.sub("model.safetensors")));
}

TEST_CASE("safetensors writer checks the byte count and leaves no partial file") {
    TempDir tmp("st-writer");
    const std::string path = tmp.sub("x.safetensors");
    {
        SafetensorsWriter w(path, {{"a", DType::F32, {2, 3}}, {"b", DType::F16, {5}}});
        const float a[6] = {1, 2, 3, 4, 5, 6};
        w.write(a, sizeof a);
        CHECK_THROWS_AS(w.finish(), Error);  // b is missing
    }
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path + ".partial"));
    {
        SafetensorsWriter w(path, {{"a", DType::F32, {1}}});
        const float a[2] = {1, 2};
        CHECK_THROWS_AS(w.write(a, sizeof a), Error);  // more than declared
    }
    CHECK_THROWS_AS(SafetensorsWriter(path, {{"q", DType::Q4_0, {32}}}), InputError);
    CHECK_THROWS_AS(SafetensorsWriter(path, {{"a", DType::F32, {1}}, {"a", DType::F32, {1}}}), InputError);
}

TEST_CASE("safetensors header is padded to 8 bytes for any name length") {
    for (size_t len = 1; len <= 16; ++len) {
        std::string header = SafetensorsWriter::header_json({{std::string(len, 'x'), DType::F32, {1}}}, {});
        CHECK(header.size() % 8 == 0);
        CHECK_NOTHROW(nlohmann::json::parse(header));
    }
}

TEST_CASE("make-model -> load_model -> check_weights, with paths resolved against the config's folder") {
    TempDir tmp("make-model-load-model");
    for (const char* config : {"tiny-moe.toml", "tiny-gpt2.toml"}) {
        INFO(config);
        const std::string dir = tmp.sub(config);
        make_model(parse_config_toml(data_config(config)), 21, DType::F16, dir);
        LoadedModel m = load_model(dir + "/model.toml");
        CHECK(m.config.weights == (fs::path(dir) / "model.safetensors").string());
        CHECK(m.weights.has("layers.1.attn.q.weight"));
    }
}

TEST_CASE("load_model names the path it cannot use") {
    TempDir tmp("load-model-bad");
    CHECK_THROWS_WITH_AS(load_model(tmp.sub("missing.toml")), doctest::Contains("does not exist"), InputError);
    CHECK_THROWS_WITH_AS(load_model(tmp.path.string()), doctest::Contains("without a config.json"), InputError);
    std::ofstream(tmp.sub("weights.bin")) << "x";
    CHECK_THROWS_WITH_AS(load_model(tmp.sub("weights.bin")), doctest::Contains("don't know how to load"), InputError);
    std::ofstream(tmp.sub("m.toml")) << vkllm_test_minimal_config << "[weights]\npath = \"absent.safetensors\"\n";
    CHECK_THROWS_WITH_AS(load_model(tmp.sub("m.toml")), doctest::Contains("absent.safetensors' does not exist"),
                         InputError);

    make_model(parse_config_toml(data_config("tiny-moe.toml")), 1, DType::F32, tmp.sub("made"));
    std::string text = file_bytes(tmp.sub("made/model.toml"));
    const auto at = text.find("tokenizer = \"\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "tokenizer = \"absent.json\"");
    std::ofstream(tmp.sub("made/model.toml"), std::ios::trunc) << text;
    const std::string expected = "weights.tokenizer '" + tmp.sub("made/absent.json") + "' does not exist";
    CHECK_THROWS_WITH_AS(load_model(tmp.sub("made/model.toml")), doctest::Contains(expected.c_str()), InputError);
}

TEST_CASE("tensor_names patterns with {i} and {e} map renamed files to logical names") {
    TempDir tmp("tensor-name-patterns");
    ModelConfig c = parse_config_toml(data_config("tiny-moe.toml"));
    make_model(c, 9, DType::F32, tmp.sub("made"));
    LoadedModel made = load_model(tmp.sub("made/model.toml"));

    // Rewrite every per-layer tensor under another name: layers.N.X -> blk.N.X,
    // and experts' layers.N.moe.experts.E.P -> blk.N.expert_E.P.
    auto rename = [](std::string name) {
        if (name.rfind("layers.", 0) != 0) return name;
        name.replace(0, 7, "blk.");
        auto at = name.find(".moe.experts.");
        if (at != std::string::npos) name.replace(at, 13, ".expert_");
        return name;
    };
    std::vector<SafetensorsEntry> entries;
    for (const auto& [name, view] : made.weights.tensors()) entries.push_back({rename(name), view.dtype, view.shape});
    {
        SafetensorsWriter w(tmp.sub("renamed.safetensors"), entries);
        for (const auto& [name, view] : made.weights.tensors()) w.write(view.data, view.bytes);
        w.finish();
    }
    std::set<std::string> patterns;
    for (const auto& t : expected_tensors(c)) {
        if (t.name.rfind("layers.", 0) != 0) continue;
        std::string pattern = "layers.{i}" + t.name.substr(t.name.find('.', 7));
        auto at = pattern.find(".moe.experts.");
        if (at != std::string::npos) pattern = pattern.substr(0, at + 13) + "{e}" + pattern.substr(pattern.find('.', at + 13));
        patterns.insert(pattern);
    }
    std::string toml = file_bytes(tmp.sub("made/model.toml"));
    toml.replace(toml.find("path = \"model.safetensors\""), 26, "path = \"../renamed.safetensors\"");
    toml += "\n[tensor_names]\n";
    for (const auto& p : patterns) {
        std::string stored = "blk." + p.substr(7);
        auto at = stored.find(".moe.experts.");
        if (at != std::string::npos) stored.replace(at, 13, ".expert_");
        toml += "\"" + p + "\" = \"" + stored + "\"\n";
    }
    CHECK(patterns.count("layers.{i}.moe.experts.{e}.down.weight") == 1);
    std::ofstream(tmp.sub("made/renamed.toml"), std::ios::trunc) << toml;

    LoadedModel renamed = load_model(tmp.sub("made/renamed.toml"));
    for (const auto& t : expected_tensors(c)) {
        INFO(t.name);
        REQUIRE(renamed.weights.has(t.name));
        CHECK(to_f32(renamed.weights.get(t.name)) == to_f32(made.weights.get(t.name)));
    }

    std::ofstream(tmp.sub("made/bad.toml"), std::ios::trunc)
        << "[model]\nvocab_size = 8\nhidden_size = 8\nnum_layers = 1\nnum_heads = 1\n[ffn]\nintermediate_size = 8\n"
           "[weights]\npath = \"model.safetensors\"\n[tensor_names]\n\"layers.{i}.attn.q.weight\" = \"q\"\n";
    CHECK_THROWS_WITH_AS(load_model(tmp.sub("made/bad.toml")), doctest::Contains("has {i} but 'q' does not"),
                         InputError);
}

TEST_CASE("make-model covers every architecture the Hugging Face fixtures use") {
    TempDir tmp("make-model-families");
    int count = 0;
    for (const auto& entry : fs::directory_iterator(std::string(VKLLM_TEST_DATA_DIR) + "/hf/models")) {
        if (!fs::exists(entry.path() / "config.json")) continue;
        const std::string name = entry.path().filename().string();
        INFO(name);
        ModelConfig c = import_hf_config(entry.path().string());
        c.tokenizer.clear();
        const std::string dir = tmp.sub(name);
        REQUIRE_NOTHROW(make_model(c, 13, DType::F16, dir));
        LoadedModel m;
        REQUIRE_NOTHROW(m = load_model(dir + "/model.toml"));
        CHECK(m.weights.tensors().size() == expected_tensors(c).size());
        ++count;
    }
    CHECK(count >= 10);
}
