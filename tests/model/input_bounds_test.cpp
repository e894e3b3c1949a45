// Model loading refuses what it would otherwise read outside the model or
// ignore, and names keys as the user's file spells them.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "model/load.h"
#include "model/safetensors.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(VKLLM_SOURCE_DIR) + "/models/default";

struct Scratch {
    fs::path path;
    explicit Scratch(const std::string& name) {
        path = fs::temp_directory_path() / ("vkllm-" + name + "-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() { fs::remove_all(path); }
};

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string load_error(const std::string& path) {
    try {
        load_model(path);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

// The default model's folder, with config.json edited by `edit`; weights are linked, not copied.
fs::path hf_copy(const Scratch& s, const std::function<void(nlohmann::json&)>& edit) {
    const fs::path dir = s.path / "hf";
    fs::create_directories(dir);
    nlohmann::json config = nlohmann::json::parse(read_text(kModel + "/config.json"));
    edit(config);
    write_text(dir / "config.json", config.dump(2));
    fs::create_symlink(kModel + "/model.safetensors", dir / "model.safetensors");
    return dir;
}

}  // namespace

TEST_CASE("safetensors index: a shard path outside the model folder is refused by name") {
    Scratch s("shards");
    fs::create_directories(s.path / "model");
    for (const std::string& shard : {"../outside.safetensors", "/etc/passwd", "sub/../../x.safetensors", ""}) {
        CAPTURE(shard);
        write_text(s.path / "model" / "model.safetensors.index.json",
                   nlohmann::json{{"weight_map", {{"embed.weight", shard}}}}.dump());
        try {
            open_safetensors_checkpoint((s.path / "model").string());
            FAIL("no error");
        } catch (const InputError& e) {
            const std::string message = e.what();
            CHECK_MESSAGE(message.find("not a file inside the model folder") != std::string::npos, message);
            CHECK_MESSAGE(message.find("model.safetensors.index.json") != std::string::npos, message);
        }
    }
}

TEST_CASE("index.json and config.json syntax errors name the line and the column") {
    Scratch s("json");
    fs::create_directories(s.path / "model");
    write_text(s.path / "model" / "model.safetensors.index.json", "{\n  \"weight_map\": {\n    \"a\": x\n  }\n}\n");
    CHECK_THROWS_WITH_AS(open_safetensors_checkpoint((s.path / "model").string()),
                         doctest::Contains("model.safetensors.index.json: JSON syntax error at line 3, column 10"),
                         InputError);
    fs::create_directories(s.path / "hf");
    write_text(s.path / "hf" / "config.json", "{\n  \"vocab_size\": 10,\n  \"hidden_size\" 4\n}\n");
    CHECK_THROWS_WITH_AS(import_hf_config((s.path / "hf").string()),
                         doctest::Contains("config.json: JSON syntax error at line 3, column 17"), InputError);
}

TEST_CASE("a Hugging Face config's errors name its config.json keys and both values") {
    {
        Scratch s("hf-eps");
        const fs::path dir = hf_copy(s, [](nlohmann::json& c) { c["rms_norm_eps"] = -1; });
        const std::string message = load_error(dir.string());
        CHECK_MESSAGE(message.find("config.json: rms_norm_eps: must be > 0") != std::string::npos, message);
        CHECK_MESSAGE(message.find("norm.epsilon") == std::string::npos, message);
    }
    {
        Scratch s("hf-heads");
        const fs::path dir = hf_copy(s, [](nlohmann::json& c) { c["num_key_value_heads"] = 3; });
        const std::string message = load_error(dir.string());
        CHECK_MESSAGE(message.find("num_attention_heads = 4 is not a multiple of num_key_value_heads = 3") !=
                          std::string::npos,
                      message);
    }
    {
        Scratch s("hf-hidden");
        const fs::path dir = hf_copy(s, [](nlohmann::json& c) {
            c["num_attention_heads"] = 6;
            c["num_key_value_heads"] = 3;
            c.erase("head_dim");
        });
        const std::string message = load_error(dir.string());
        CHECK_MESSAGE(message.find("config.json: hidden_size: 256 is not divisible by num_attention_heads = 6") != std::string::npos,
                      message);
    }
}

TEST_CASE("[tensor_names] with weights that are not plain safetensors is refused, not ignored") {
    Scratch s("tensor-names");
    const std::string toml = read_text(std::string(VKLLM_SOURCE_DIR) + "/configs/models/tiny-llama.toml");
    write_text(s.path / "hf.toml", toml + "format = \"hf\"\npath = \"" + kModel +
                                       "\"\n\n[tensor_names]\n\"embed\" = \"tok_embeddings.weight\"\n");
    const std::string message = load_error((s.path / "hf.toml").string());
    CHECK_MESSAGE(message.find("[tensor_names] applies to weights.format = \"safetensors\" only") != std::string::npos,
                  message);
    CHECK_MESSAGE(message.find("with format \"hf\" it would be ignored") != std::string::npos, message);
}
