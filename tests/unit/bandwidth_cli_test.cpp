// `vkllm bandwidth` measures the device with every probe and names the best,
// the figure `vkllm bench` takes its roofline from.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

using vkllm::test::run_cli;

TEST_CASE("vkllm bandwidth: read, copy and transfer rates, and the best of them") {
    auto r = run_cli("bandwidth --json");
    REQUIRE(r.exit_code == 0);
    const std::string text = r.output.substr(r.output.find('{'));
    const auto j = nlohmann::json::parse(text);
    const double read = j.at("read_bytes_per_second"), copy = j.at("copy_bytes_per_second"),
                 transfer = j.at("transfer_copy_bytes_per_second");
    CHECK(read > 0);
    CHECK(copy > 0);
    CHECK(transfer > 0);
    CHECK(j.at("best_bytes_per_second").get<double>() == std::max({read, copy, transfer}));
    CHECK(!j.at("device").get<std::string>().empty());

    r = run_cli("bandwidth");
    REQUIRE(r.exit_code == 0);
    for (const char* row : {"read ", "copy ", "transfer ", "best "}) CHECK(r.output.find(row) != std::string::npos);
}
