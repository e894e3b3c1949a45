#include <algorithm>
#include <cstdio>
#include <map>

#include "command.h"
#include "vkllm/error.h"

namespace vkllm::cli {
std::vector<CommandSpec>& command_registry() {
    static std::vector<CommandSpec> commands;
    return commands;
}
}  // namespace vkllm::cli

int main(int argc, char** argv) {
    using namespace vkllm::cli;
    CLI::App app{"vkllm: transformer inference on Vulkan compute"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vkllm 0.1.0");

    auto& commands = command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
    std::map<CLI::App*, std::function<int()>> runners;
    for (const auto& command : commands) {
        CLI::App* sub = app.add_subcommand(command.name, command.help);
        runners[sub] = command.setup(*sub);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        for (auto& [sub, run] : runners)
            if (sub->parsed()) return run();
    } catch (const vkllm::Error& e) {
        std::fprintf(stderr, "vkllm: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vkllm: internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
