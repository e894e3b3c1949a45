#pragma once
// Runs the built `vkllm` binary as a user would, for CLI tests.
#include <string>

namespace vkllm::test {

struct CliResult {
    int exit_code = -1;
    std::string output;
};

// `env` is prefixed to the command line (e.g. "VKLLM_DEVICE=0"); stderr is
// merged into the output when `with_stderr`, else discarded.
CliResult run_cli(const std::string& args, const std::string& env = "", bool with_stderr = true);

// Runs `command_line` through /bin/sh exactly as given (its own redirections);
// its stdout is the output. cli_path() names the binary for it.
CliResult run_shell(const std::string& command_line);
std::string cli_path();

}  // namespace vkllm::test
