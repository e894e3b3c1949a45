// `vkllm convert-config DIR [-o out.toml]`: turns a Hugging Face config.json into
// the engine's TOML model config, printed or written to a file.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "command.h"
#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

namespace fs = std::filesystem;

// Paths in a TOML config are relative to the file's folder.
std::string relative_to(const std::string& path, const fs::path& folder) {
    if (path.empty()) return path;
    const fs::path rel = fs::absolute(path).lexically_normal().lexically_relative(fs::absolute(folder).lexically_normal());
    return rel.empty() ? path : rel.string();
}

Registration convert_config_command{
    "convert-config", "Convert a Hugging Face model folder's config.json to a TOML model config",
    [](CLI::App& sub) -> std::function<int()> {
        struct Options {
            std::string dir;
            std::string out;
        };
        auto options = std::make_shared<Options>();
        sub.add_option("dir", options->dir, "Hugging Face model folder (with config.json)")->required();
        sub.add_option("-o,--output", options->out, "TOML file to write (default: print to stdout)");
        return [options] {
            ModelConfig config = import_hf_config(options->dir);
            validate(config);
            if (options->out.empty()) {
                std::fputs(config_to_toml(config).c_str(), stdout);
                return 0;
            }
            const fs::path folder = fs::path(options->out).parent_path();
            config.weights = relative_to(config.weights, folder.empty() ? fs::path(".") : folder);
            config.tokenizer = relative_to(config.tokenizer, folder.empty() ? fs::path(".") : folder);
            std::ofstream out(options->out);
            if (!out) throw InputError(options->out + ": cannot open for writing");
            out << config_to_toml(config);
            if (!out) throw InputError(options->out + ": write failed");
            std::printf("wrote %s\n", options->out.c_str());
            return 0;
        };
    }};

}  // namespace
}  // namespace vkllm::cli
