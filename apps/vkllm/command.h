#pragma once
// Each `vkllm <command>` lives in its own cmd_*.cpp and registers itself here
// with a static Registration, so adding a command touches no other file.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace vkllm::cli {

// Adds the command's options to `sub` and returns what to run once parsed.
using CommandSetup = std::function<std::function<int()>(CLI::App& sub)>;

struct CommandSpec {
    std::string name;
    std::string help;
    CommandSetup setup;
};

std::vector<CommandSpec>& command_registry();

struct Registration {
    Registration(std::string name, std::string help, CommandSetup setup) {
        command_registry().push_back({std::move(name), std::move(help), std::move(setup)});
    }
};

}  // namespace vkllm::cli
