// `vkllm convert-config`: the TOML it writes loads back to the imported config.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "model/load.h"

namespace fs = std::filesystem;
using namespace vkllm;

namespace {

int run_cli(const std::string& args, const fs::path& log) {
    const std::string command = std::string("'") + VKLLM_CLI_PATH + "' " + args + " > '" + log.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("convert-config writes a TOML config equivalent to the Hugging Face import") {
    const fs::path scratch = fs::temp_directory_path() / ("vkllm-convert-config-" + std::to_string(::getpid()));
    fs::create_directories(scratch / "out");
    const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/qwen3_moe";
    const fs::path toml = scratch / "out" / "qwen3.toml";

    REQUIRE(run_cli("convert-config '" + dir + "' -o '" + toml.string() + "'", scratch / "log") == 0);
    ModelConfig imported = import_hf_config(dir);
    ModelConfig parsed = parse_config_toml(toml.string());
    CHECK(fs::equivalent(toml.parent_path() / parsed.weights, dir));
    // Everything but where the config came from and how it names the weights path.
    parsed.source_path = imported.source_path;
    parsed.weights = imported.weights;
    parsed.tokenizer = imported.tokenizer;
    CHECK(parsed == imported);

    // The written config loads the model end to end.
    CHECK_NOTHROW(load_model(toml.string()));

    CHECK(run_cli("convert-config '" + dir + "'", scratch / "stdout") == 0);
    CHECK(read_all(scratch / "stdout").find("hf_architecture = \"Qwen3MoeForCausalLM\"") != std::string::npos);

    CHECK(run_cli("convert-config '" + scratch.string() + "'", scratch / "err") == 1);
    CHECK(read_all(scratch / "err").find("config.json: cannot open") != std::string::npos);
    fs::remove_all(scratch);
}
