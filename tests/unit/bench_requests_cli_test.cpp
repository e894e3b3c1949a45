// `vkllm bench --requests`: the serving benchmark on the shipped model, offline
// and with Poisson arrivals; the numbers it reports are consistent.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

namespace {
const std::string kModel = std::string(VKLLM_SOURCE_DIR) + "/models/default";

nlohmann::json bench(const std::string& args) {
    auto r = vkllm::test::run_cli("bench -m " + kModel + " --requests 6 --prompt-len 4-20 --gen-len 2-6 -b 3 --json " + args,
                                  "", false);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.output);
}
}  // namespace

TEST_CASE("bench --requests: requests/s, output tokens/s and latency percentiles, offline and Poisson") {
    for (const std::string& args : {std::string(""), std::string("--rate 100")}) {
        INFO("args: " << args);
        const nlohmann::json out = bench(args);
        CHECK(out["requests"] == 6);
        const uint64_t produced = out["output_tokens"], prompts = out["prompt_tokens"];
        CHECK(produced >= 6 * 2);
        CHECK(produced <= 6 * 6);
        CHECK(prompts >= 6 * 4);
        CHECK(prompts <= 6 * 20);
        CHECK(out["max_sequences"] == 3);
        CHECK(out["preemptions"] == 0);
        const double seconds = out["seconds"];
        CHECK(out["output_tokens_per_second"].get<double>() == doctest::Approx(double(produced) / seconds));
        CHECK(out["requests_per_second"].get<double>() == doctest::Approx(6.0 / seconds));
        CHECK(out["ttft_p50_seconds"].get<double>() > 0);
        CHECK(out["ttft_p99_seconds"].get<double>() >= out["ttft_p50_seconds"].get<double>());
        CHECK(out["itl_p99_seconds"].get<double>() >= out["itl_p50_seconds"].get<double>());
    }
}

TEST_CASE("bench --requests with sampled requests: candidates where they serve, whole rows where not") {
    // Greedy: every sampled row comes from the GPU's candidates.
    const nlohmann::json greedy = bench("");
    CHECK(greedy["sampling"] == "greedy");
    CHECK(greedy["candidate_rows"].get<uint64_t>() == greedy["output_tokens"].get<uint64_t>());
    CHECK(greedy["whole_rows_fetched"] == 0);
    // Top-k sampling: candidates, too.
    const nlohmann::json top_k = bench("--temperature 0.8 --top-k 40");
    CHECK(top_k["candidate_rows"].get<uint64_t>() == top_k["output_tokens"].get<uint64_t>());
    CHECK(top_k["whole_rows_fetched"] == 0);
    // Top-p alone: candidates, and the row read whole only where the nucleus
    // could reach past them (the shipped model is peaked enough that most rows decide).
    const nlohmann::json nucleus = bench("--temperature 0.8 --top-p 0.5");
    CHECK(nucleus["sampling"] == "temperature 0.8, top-k 0, top-p 0.5");
    CHECK(nucleus["candidate_rows"].get<uint64_t>() == nucleus["output_tokens"].get<uint64_t>());
    CHECK(nucleus["whole_rows_fetched"].get<uint64_t>() < nucleus["output_tokens"].get<uint64_t>());
    // Temperature alone: candidates too; a row is read whole where the draw
    // could land outside them.
    const nlohmann::json plain = bench("--temperature 0.8");
    CHECK(plain["candidate_rows"].get<uint64_t>() == plain["output_tokens"].get<uint64_t>());
    CHECK(plain["whole_rows_fetched"].get<uint64_t>() < plain["output_tokens"].get<uint64_t>());
    CHECK(plain["output_tokens"].get<uint64_t>() >= 6 * 2);
    auto bad = vkllm::test::run_cli("bench -m " + kModel + " --requests 2 --top-p 1.5");
    CHECK(bad.exit_code != 0);
}

TEST_CASE("bench --requests refuses a bad length range") {
    auto r = vkllm::test::run_cli("bench -m " + kModel + " --requests 2 --prompt-len 9-3");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("--prompt-len '9-3' is not a length N or a range A-B") != std::string::npos);
}
