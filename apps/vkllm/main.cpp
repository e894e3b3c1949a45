#include <algorithm>
#include <cstdio>
#include <map>
#include <new>

#include "command.h"
#include "environment.h"
#include "output.h"
#include "vkllm/error.h"

namespace vkllm::cli {
std::vector<CommandSpec>& command_registry() {
    static std::vector<CommandSpec> commands;
    return commands;
}

namespace {

// Exit status of every refused input, whether the option parser or the engine
// refused it (2 is kept for internal errors).
constexpr int kInputErrorExit = 1;

int report_error(const std::string& message) {
    std::fprintf(stderr, "vkllm: error: %s\n", message.c_str());
    return kInputErrorExit;
}

// CLI11 reads an unsigned option with strtoull, which turns "-1" into
// 2^64 - 1; every unsigned option of every command refuses a sign instead.
void refuse_signed_values(CLI::App& sub) {
    for (CLI::Option* option : sub.get_options()) {
        const std::string type = option->get_type_name();  // "UINT", or "UINT:<validators>"
        if (type != "UINT" && type.rfind("UINT:", 0) != 0) continue;
        option->check(CLI::Validator(
            [](std::string& value) -> std::string {
                if (!value.empty() && value.find_first_not_of("0123456789") != std::string::npos)
                    return "expected a whole number >= 0, got '" + value + "'";
                return {};
            },
            "", "non-negative integer"));
    }
}

std::string command_names(const std::vector<CommandSpec>& commands) {
    std::string names;
    for (const auto& c : commands) names += (names.empty() ? "" : ", ") + c.name;
    return names;
}

}  // namespace
}  // namespace vkllm::cli

int main(int argc, char** argv) {
    using namespace vkllm::cli;
    CLI::App app{"vkllm: transformer inference on Vulkan compute"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vkllm 0.1.0");
    app.option_defaults()->always_capture_default();  // --help shows every default

    auto& commands = command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
    if (argc > 1 && argv[1][0] != '-' &&
        std::none_of(commands.begin(), commands.end(), [&](const CommandSpec& c) { return c.name == argv[1]; }))
        return report_error(std::string("unknown command '") + argv[1] + "'; commands: " + command_names(commands) +
                            " (vkllm --help lists them)");
    std::map<CLI::App*, std::function<int()>> runners;
    for (const auto& command : commands) {
        CLI::App* sub = app.add_subcommand(command.name, command.help);
        runners[sub] = command.setup(*sub);
        refuse_signed_values(*sub);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string where;
        for (CLI::App* sub : app.get_subcommands()) where = " (vkllm " + sub->get_name() + " --help lists the options)";
        return report_error(e.what() + where);
    }
    try {
        int status = 0;
        for (auto& [sub, run] : runners)
            if (sub->parsed()) {
                status = run();
                break;
            }
        finish_stdout();
        return status;
    } catch (const vkllm::Error& e) {
        std::fflush(stdout);  // what was printed stays ahead of the error
        std::string message = e.what();
        if (message.find("no usable Vulkan driver") != std::string::npos) message += vkllm::env::driver_files_note();
        return report_error(message);
    } catch (const std::bad_alloc&) {
        return report_error("out of memory");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vkllm: internal error: %s\n", e.what());
        return 2;
    }
}
