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

}  // namespace vkllm::test
