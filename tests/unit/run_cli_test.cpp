// `vkllm run` as a user runs it, on the shipped model and on a GGUF file whose
// tokenizer lives in its metadata.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

namespace {
struct Result {
    int exit_code;
    std::string out;
};

Result run(const std::string& args) {
    auto r = vkllm::test::run_cli(args, "", false);
    return {r.exit_code, r.output};
}
}  // namespace

TEST_CASE("run: greedy text from the shipped model on the GPU equals the CPU reference's") {
    const std::string model = std::string(VKLLM_SOURCE_DIR) + "/models/default";
    Result gpu = run("run -m " + model + " -p 'And Jesus said' --greedy -n 12 --json");
    Result cpu = run("run -m " + model + " -p 'And Jesus said' --greedy -n 12 --json --backend reference");
    REQUIRE(gpu.exit_code == 0);
    REQUIRE(cpu.exit_code == 0);
    auto g = nlohmann::json::parse(gpu.out), c = nlohmann::json::parse(cpu.out);
    CHECK(g["tokens"] == c["tokens"]);
    CHECK(g["text"].get<std::string>().find("unto him") != std::string::npos);
    CHECK(g["kv_bytes_used"].get<uint64_t>() > 0);
}

TEST_CASE("run: a GGUF model brings its own tokenizer") {
    const std::string model = std::string(VKLLM_TEST_DATA_DIR) + "/gguf/llama_gqa/model-q8_0.gguf";
    Result r = run("run -m " + model + " -p hello --greedy -n 4 --json");
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["tokens"].size() == 4);
}

TEST_CASE("run: bad input is one clear error and a non-zero exit") {
    CHECK(run("run -m /nonexistent/model -p hi").exit_code == 1);
    const std::string model = std::string(VKLLM_SOURCE_DIR) + "/models/default";
    CHECK(run("run -m " + model + " -p hi -n 100000").exit_code == 1);  // past the 512-token context
    CHECK(run("run -m " + model + " -p hi --temperature -1 --top-p 2").exit_code == 1);
}
