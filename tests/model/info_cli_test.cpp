#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <nlohmann/json.hpp>

#include "support/gguf_quant_cases.h"

namespace fs = std::filesystem;

namespace {

struct CliResult {
    int exit_code = -1;
    std::string out;  // stdout and stderr together
};

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `vkllm <args>` through the shell; arguments here are test-controlled paths.
CliResult run_cli(const std::string& args, const fs::path& scratch) {
    const fs::path log = scratch / "cli.log";
    const std::string command = std::string("'") + VKLLM_CLI_PATH + "' " + args + " > '" + log.string() + "' 2>&1";
    int status = std::system(command.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_all(log);
    return r;
}

struct Scratch {
    fs::path path;
    Scratch() {
        path = fs::temp_directory_path() / ("vkllm-info-cli-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string q(const fs::path& p) {
    std::string quoted(1, '\'');
    return quoted.append(p.string()).append(1, '\'');
}

const std::string tiny_llama = std::string(VKLLM_SOURCE_DIR) + "/configs/models/tiny-llama.toml";
const std::string data_configs = std::string(VKLLM_TEST_DATA_DIR) + "/configs/";

// Offset of a tensor's data in a safetensors file.
uint64_t data_offset(const fs::path& file, const std::string& tensor) {
    std::string bytes = read_all(file);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; ++i) header_len |= uint64_t(uint8_t(bytes[i])) << (8 * i);
    auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    return 8 + header_len + header[tensor]["data_offsets"][0].get<uint64_t>();
}

}  // namespace

TEST_CASE("vkllm info accepts a made model and reports its size") {
    Scratch s;
    CliResult made = run_cli("make-model --config " + q(tiny_llama) + " --seed 2 --out " + q(s.path / "m"), s.path);
    REQUIRE(made.exit_code == 0);
    CliResult info = run_cli("info " + q(s.path / "m" / "model.toml"), s.path);
    INFO(info.out);
    CHECK(info.exit_code == 0);
    CHECK(info.out.find("GQA") != std::string::npos);
    CHECK(info.out.find("(106816)") != std::string::npos);

    CliResult json = run_cli("info --json " + q(s.path / "m" / "model.toml"), s.path);
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    CHECK(j["parameters"]["total"] == 106816);
    CHECK(j["attention"]["type"] == "GQA");
    CHECK(j["weights"]["bytes_by_dtype"]["f32"] == 106816 * 4);
    CHECK(j["kv_cache_bytes_per_token"]["f16"] == 2 * 2 * 2 * 16 * 2);
}

TEST_CASE("vkllm info --config-only summarises a config without weights") {
    Scratch s;
    CliResult r = run_cli("info --config-only --json " + q(std::string(VKLLM_SOURCE_DIR) + "/configs/models/llama-3.2-1b.toml"),
                          s.path);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["parameters"]["total"] == 1235814400ull);
    CHECK_FALSE(j.contains("weights"));

    CliResult hf = run_cli("info --config-only " + q(std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/mixtral_moe"), s.path);
    CHECK(hf.exit_code == 0);
    CHECK(hf.out.find("active per token") != std::string::npos);
}

TEST_CASE("vkllm info exits non-zero with a one-line reason on bad models") {
    Scratch s;
    CliResult typo = run_cli("info " + q(data_configs + "bad-unknown-key.toml"), s.path);
    CHECK(typo.exit_code == 1);
    CHECK(typo.out.find("bad-unknown-key.toml:5:1: unknown key 'hiden_size' in [model]; did you mean 'hidden_size'?") !=
          std::string::npos);

    CliResult heads = run_cli("info " + q(data_configs + "bad-heads.toml"), s.path);
    CHECK(heads.exit_code == 1);
    CHECK(heads.out.find("model.num_kv_heads") != std::string::npos);

    CliResult missing = run_cli("info " + q(s.path / "nothing.toml"), s.path);
    CHECK(missing.exit_code == 1);
    CHECK(missing.out.find("does not exist") != std::string::npos);

    CliResult no_weights = run_cli("info " + q(tiny_llama), s.path);
    CHECK(no_weights.exit_code == 1);
    CHECK(no_weights.out.find("weights.path is not set") != std::string::npos);
}

TEST_CASE("vkllm info rejects weights that do not fit the config or hold NaN") {
    Scratch s;
    REQUIRE(run_cli("make-model --config " + q(tiny_llama) + " --seed 4 --out " + q(s.path / "m"), s.path).exit_code == 0);
    const fs::path toml = s.path / "m" / "model.toml";
    const fs::path weights = s.path / "m" / "model.safetensors";

    SUBCASE("config says more kv heads than the weights hold") {
        std::string text = read_all(toml);
        auto at = text.find("num_kv_heads = 2");
        REQUIRE(at != std::string::npos);
        text.replace(at, 16, "num_kv_heads = 4");
        std::ofstream(toml, std::ios::binary | std::ios::trunc) << text;
        CliResult r = run_cli("info " + q(toml), s.path);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("tensor 'layers.0.attn.k.weight' has shape [32, 64], expected [64, 64] (num_kv_heads=4") !=
              std::string::npos);
    }
    SUBCASE("a NaN in one weight") {
        const uint64_t offset = data_offset(weights, "layers.1.ffn.down.weight") + 4 * 5;
        std::fstream f(weights, std::ios::binary | std::ios::in | std::ios::out);
        const unsigned char nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
        f.seekp(std::streamoff(offset));
        f.write(reinterpret_cast<const char*>(nan_bits), 4);
        f.close();
        CliResult r = run_cli("info " + q(toml), s.path);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("tensor 'layers.1.ffn.down.weight' holds NaN or Inf (at element 5)") != std::string::npos);
    }
    SUBCASE("a truncated weight file") {
        fs::resize_file(weights, fs::file_size(weights) - 100);
        CliResult r = run_cli("info " + q(toml), s.path);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("model.safetensors") != std::string::npos);
    }
}

TEST_CASE("vkllm info accepts Hugging Face folders and GGUF files") {
    Scratch s;
    std::vector<fs::path> models;
    for (const auto& entry : fs::directory_iterator(std::string(VKLLM_TEST_DATA_DIR) + "/hf/models"))
        if (fs::exists(entry.path() / "config.json")) models.push_back(entry.path());
    for (const auto& entry : fs::recursive_directory_iterator(std::string(VKLLM_TEST_DATA_DIR) + "/gguf"))
        if (entry.path().extension() == ".gguf") models.push_back(entry.path());
    CHECK(models.size() >= 10);
    for (const auto& model : models) {
        INFO(model.string());
        CliResult r = run_cli("info --json " + q(model), s.path);
        INFO(r.out);
        CHECK(r.exit_code == 0);
        if (r.exit_code == 0) {
            auto j = nlohmann::json::parse(r.out);
            CHECK(j["parameters"]["total"].get<uint64_t>() > 0);
            CHECK(j["weights"]["bytes"].get<uint64_t>() > 0);
        }
    }
}

TEST_CASE("vkllm info summarises the quantized GGUF fixtures: parameters and bytes by dtype") {
    Scratch s;
    for (const vkllm::test::GgufQuantCase& c : vkllm::test::kGgufQuantCases) {
        const std::string model =
            std::string(VKLLM_TEST_DATA_DIR) + "/gguf-quant/" + c.name + "/model-" + c.type + ".gguf";
        INFO(model);
        CliResult r = run_cli("info --json " + q(model), s.path);
        INFO(r.out);
        REQUIRE(r.exit_code == 0);
        auto j = nlohmann::json::parse(r.out);
        CHECK(j["parameters"]["total"].get<uint64_t>() > 0);
        uint64_t sum = 0;
        for (const auto& [dtype, n] : j["weights"]["bytes_by_dtype"].items()) sum += n.get<uint64_t>();
        CHECK(sum == j["weights"]["bytes"].get<uint64_t>());
        // The dtypes reported are exactly the block types the file's tensors use.
        const auto ref = nlohmann::json::parse(std::ifstream(std::string(VKLLM_TEST_DATA_DIR) + "/gguf-quant/" +
                                                             c.name + "/gguf_reference.json"));
        std::set<std::string> file_types, reported;
        for (const auto& [tensor, type] : ref["types"][c.type]["tensor_types"].items()) {
            std::string t = type.get<std::string>();
            for (char& ch : t) ch = char(std::tolower(static_cast<unsigned char>(ch)));
            file_types.insert(t);
        }
        for (const auto& [dtype, n] : j["weights"]["bytes_by_dtype"].items()) reported.insert(dtype);
        CHECK(reported == file_types);
        if (std::string(c.name) == "llama3") CHECK(j["position"]["frequency_factors"].size() == 32);
    }
}
