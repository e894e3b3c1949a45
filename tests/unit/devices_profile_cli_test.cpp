// `vkllm devices` under a real-device profile: the selected device shows the
// profile and the lowered limits, an unknown name is refused with the list,
// and the driver id, version and quirks are shown.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

namespace {
using vkllm::test::CliResult;

nlohmann::json selected_device(const CliResult& r) {
    auto devices = nlohmann::json::parse(r.output.substr(r.output.find('[')));
    for (const auto& d : devices)
        if (d["selected"].get<bool>()) return d;
    FAIL("no device is selected");
    return {};
}
}  // namespace

TEST_CASE("VKLLM_DEVICE_PROFILE lowers the selected device to the profile's figures") {
    CliResult plain = vkllm::test::run_cli("devices --json", "");
    REQUIRE(plain.exit_code == 0);
    const nlohmann::json before = selected_device(plain);
    CHECK(before["profile"] == "");

    CliResult r = vkllm::test::run_cli("devices --json", "VKLLM_DEVICE_PROFILE=mali-g710");
    REQUIRE(r.exit_code == 0);
    const nlohmann::json d = selected_device(r);
    CHECK(d["profile"] == "mali-g710");
    CHECK(d["subgroup_size_control"] == false);
    CHECK(d["storage_16bit"] == false);
    CHECK(d["max_workgroup_invocations"].get<uint32_t>() <= 512);
    CHECK(d["max_storage_buffer_range"].get<uint64_t>() <= (128ull << 20));
    CHECK(d["shared_memory_bytes"].get<uint32_t>() <= (32u << 10));
    // Only lowered: a feature the device lacked is not claimed.
    if (before["shader_float16"] == false) CHECK(d["shader_float16"] == false);
    CHECK(d["profile_changes"].size() + d["profile_notes"].size() > 0);
}

TEST_CASE("vkllm devices --device-profile prints the profile, what it lowered and the driver") {
    CliResult r = vkllm::test::run_cli("devices --device-profile apple-m1", "");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("profile                    apple-m1") != std::string::npos);
    CHECK(r.output.find("driver id / version") != std::string::npos);
    CHECK(r.output.find("driver quirks") != std::string::npos);
}

TEST_CASE("an unknown profile is refused with the valid names") {
    CliResult r = vkllm::test::run_cli("devices", "VKLLM_DEVICE_PROFILE=adreno-9000");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("unknown device profile 'adreno-9000' (known: adreno-740, mali-g710, intel-xe, radeon-780m, "
                        "apple-m1)") != std::string::npos);
}
