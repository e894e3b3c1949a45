#include "support/cli_runner.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

namespace vkllm::test {

CliResult run_cli(const std::string& args, const std::string& env, bool with_stderr) {
    return run_shell(env + " " + VKLLM_CLI_PATH + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

std::string cli_path() { return VKLLM_CLI_PATH; }

CliResult run_shell(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE_MESSAGE(pipe, "cannot start " << command);
    CliResult result;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
    int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace vkllm::test
