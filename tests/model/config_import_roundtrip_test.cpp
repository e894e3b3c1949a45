// Configs imported from Hugging Face folders and GGUF files, written out as TOML
// and loaded back through load_model: the TOML schema can express every
// architecture the importers produce, and check_weights agrees with the loaders.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "model/load.h"
#include "model/param_count.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path path = fs::temp_directory_path() / ("vkllm-import-roundtrip-" + std::to_string(::getpid()));
    Scratch() { fs::create_directories(path); }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Writes `c` as TOML next to nothing in particular, pointing at an absolute weights path.
std::string write_toml(const Scratch& s, const std::string& name, ModelConfig c, const std::string& weights,
                       const std::string& format) {
    c.weights = fs::absolute(weights).string();
    c.weight_format = format;
    c.tokenizer.clear();
    const std::string path = (s.path / (name + ".toml")).string();
    std::ofstream(path) << config_to_toml(c);
    return path;
}

void check_same_model(const LoadedModel& direct, const LoadedModel& via_toml) {
    ModelConfig a = direct.config, b = via_toml.config;
    // Where the config came from and where its files are differ by construction.
    for (ModelConfig* c : {&a, &b}) {
        c->source_path.clear();
        c->weights.clear();
        c->weight_format.clear();
        c->tokenizer.clear();
    }
    CHECK(a == b);
    CHECK(count_parameters(direct.config).total == count_parameters(via_toml.config).total);
    CHECK(direct.weights.names() == via_toml.weights.names());
}

}  // namespace

TEST_CASE("Hugging Face fixtures load through a TOML config that points at the folder") {
    Scratch s;
    int count = 0;
    for (const auto& entry : fs::directory_iterator(std::string(VKLLM_TEST_DATA_DIR) + "/hf/models")) {
        if (!fs::exists(entry.path() / "config.json")) continue;
        const std::string dir = entry.path().string();
        const std::string name = entry.path().filename().string();
        INFO(name);
        LoadedModel direct = load_model(dir);
        const std::string toml = write_toml(s, name, direct.config, dir, "hf");
        LoadedModel via_toml;
        REQUIRE_NOTHROW(via_toml = load_model(toml));
        check_same_model(direct, via_toml);
        ++count;
    }
    CHECK(count >= 10);
}

TEST_CASE("GGUF fixtures load through a TOML config that points at the file") {
    Scratch s;
    int count = 0;
    for (const auto& dir : fs::directory_iterator(std::string(VKLLM_TEST_DATA_DIR) + "/gguf")) {
        if (!dir.is_directory()) continue;
        const fs::path file = dir.path() / "model-f16.gguf";
        if (!fs::exists(file)) continue;
        const std::string name = dir.path().filename().string();
        INFO(name);
        LoadedModel direct = load_model(file.string());
        const std::string toml = write_toml(s, name, direct.config, file.string(), "gguf");
        LoadedModel via_toml;
        REQUIRE_NOTHROW(via_toml = load_model(toml));
        check_same_model(direct, via_toml);
        ++count;
    }
    CHECK(count >= 1);
}
