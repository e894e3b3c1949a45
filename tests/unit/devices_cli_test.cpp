// `vkllm devices` as a user runs it: table, JSON, and the errors for a bad
// selector or a machine without a Vulkan driver.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

namespace {
using vkllm::test::CliResult;
CliResult run_cli(const std::string& env, const std::string& args) { return vkllm::test::run_cli(args, env); }
}  // namespace

TEST_CASE("vkllm devices --json lists at least one device with its capabilities") {
    CliResult r = run_cli("", "devices --json");
    REQUIRE(r.exit_code == 0);
    auto devices = nlohmann::json::parse(r.output.substr(r.output.find('[')));
    REQUIRE(devices.size() >= 1);
    int selected = 0;
    for (const auto& d : devices) {
        for (const char* key : {"name", "type", "api_version", "subgroup_size", "shared_memory_bytes",
                                "max_storage_buffer_range", "max_memory_allocation_size", "memory_heaps",
                                "shader_float16", "storage_16bit", "cooperative_matrix"})
            CHECK_MESSAGE(d.contains(key), key);
        selected += d["selected"].get<bool>();
    }
    CHECK(selected == 1);
}

TEST_CASE("vkllm devices prints a table and honours --device-limits") {
    CliResult r = run_cli("", "devices --device 0 --device-limits no-fp16,max-buffer-range=64M");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("<- selected") != std::string::npos);
    CHECK(r.output.find("limited by                 no-fp16, max-buffer-range=64M") != std::string::npos);
}

TEST_CASE("a device selector that matches nothing exits non-zero and lists devices") {
    CliResult r = run_cli("", "devices --device no-such-gpu");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("no Vulkan device matches 'no-such-gpu'") != std::string::npos);
}

TEST_CASE("no Vulkan driver: a clear message naming what to install") {
    CliResult r = run_cli("VK_DRIVER_FILES=/nonexistent/icd.json VK_ICD_FILENAMES=/nonexistent/icd.json", "devices");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("mesa-vulkan-drivers") != std::string::npos);
}
