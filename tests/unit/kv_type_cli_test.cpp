// --kv-type on every command that builds a KV cache: listed in --help, the
// type reported back, the cache sized in the chosen type's real bytes, and an
// unknown type refused with the choices.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

using vkllm::test::run_cli;

namespace {
const std::string kModel = std::string(VKLLM_SOURCE_DIR) + "/models/default";
}

TEST_CASE("--kv-type: every command with a KV cache lists it with its choices") {
    for (const char* command : {"run", "chat", "bench", "perplexity", "logits"}) {
        CAPTURE(command);
        auto r = run_cli(std::string(command) + " --help");
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find("--kv-type TEXT:{auto,f32,f16,q8_0,q4_0}=auto") != std::string::npos);
        r = run_cli(std::string(command) + " -m " + kModel + " --kv-type f8");
        CHECK(r.exit_code == 1);
        CHECK(r.output.find("--kv-type: f8 not in {auto,f32,f16,q8_0,q4_0}") != std::string::npos);
    }
}

TEST_CASE("--kv-type q8_0: run and bench report it, the cache holds -c tokens in q8_0 bytes") {
    // The default model: K and V of 6 layers x 2 kv heads x 64 values = 24 rows
    // of two 34-byte blocks, 1632 bytes a token; -c 100 takes 7 blocks of 16 tokens.
    auto r = run_cli("run -m " + kModel + " -p 'And God said' -n 4 --greedy --json -c 100 --kv-type q8_0", "", false);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.output);
    CHECK(j["kv_type"] == "q8_0");
    CHECK(j["kv_bytes_allocated"] == 7 * 16 * 1632);
    r = run_cli("run -m " + kModel + " -p 'And God said' -n 4 --greedy --json -c 100 --kv-type f32", "", false);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.output)["kv_bytes_allocated"] == 7 * 16 * 6144);

    r = run_cli("bench -m " + kModel + " -p 8 -n 2 -r 1 --json --kv-type q8_0", "", false);
    REQUIRE(r.exit_code == 0);
    j = nlohmann::json::parse(r.output);
    CHECK(j["kv_type"] == "q8_0");
    CHECK(j["kv_bytes_per_token"] == 1632);
    r = run_cli("bench -m " + kModel + " -p 8 -n 2 -r 1 --kv-type q4_0");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("kv cache q4_0, 0.8 KiB per token") != std::string::npos);
}
