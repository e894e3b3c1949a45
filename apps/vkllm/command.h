#pragma once
// Each `vkllm <command>` lives in its own cmd_*.cpp and registers itself here
// with a static Registration, so adding a command touches no other file.
#include <CLI/CLI.hpp>
#include <cstdlib>
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

// --device and --device-limits for commands that use the GPU; they set
// VKLLM_DEVICE / VKLLM_DEVICE_LIMITS, which the Vulkan runtime reads.
inline void add_device_options(CLI::App& sub) {
    sub.add_option("--device", "Vulkan device: index or part of its name (default: VKLLM_DEVICE, else the best)")
        ->each([](const std::string& v) { ::setenv("VKLLM_DEVICE", v.c_str(), 1); });
    sub.add_option("--device-limits", "Make the device look weaker, e.g. no-fp16,max-buffer-range=64M (see README)")
        ->each([](const std::string& v) { ::setenv("VKLLM_DEVICE_LIMITS", v.c_str(), 1); });
}

struct Registration {
    Registration(std::string name, std::string help, CommandSetup setup) {
        command_registry().push_back({std::move(name), std::move(help), std::move(setup)});
    }
};

}  // namespace vkllm::cli
