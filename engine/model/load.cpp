// load_model: picks the loader by what the path is, resolves the paths a TOML
// config holds, then validates the config and checks the weights against it.
#include <filesystem>
#include <map>
#include <vector>

#include "model/load.h"
#include "vkllm/error.h"

namespace fs = std::filesystem;

namespace vkllm {
namespace {

bool has_extension(const fs::path& p, const char* ext) { return p.extension() == ext; }

// Weight-file and tokenizer paths in a TOML config are relative to its folder.
std::string resolve(const fs::path& config_dir, const std::string& path) {
    if (path.empty()) return path;
    fs::path p(path);
    return p.is_relative() ? (config_dir / p).lexically_normal().string() : path;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// tensor_names entries may hold "{i}" (layer) and "{e}" (expert) placeholders;
// each becomes one entry per layer / expert.
void expand_tensor_name_patterns(ModelConfig& c) {
    std::map<std::string, std::string> expanded;
    for (const auto& [logical, stored] : c.tensor_names) {
        std::vector<std::pair<std::string, std::string>> names{{logical, stored}};
        for (const auto& [placeholder, count] : {std::pair<std::string, uint32_t>{"{i}", c.num_layers},
                                                 std::pair<std::string, uint32_t>{"{e}", c.moe.num_experts}}) {
            if (logical.find(placeholder) == std::string::npos) continue;
            if (stored.find(placeholder) == std::string::npos)
                throw InputError(c.source_path + ": tensor_names: '" + logical + "' has " + placeholder + " but '" +
                                 stored + "' does not, so every match would map to one tensor");
            std::vector<std::pair<std::string, std::string>> next;
            for (const auto& [l, s] : names)
                for (uint32_t n = 0; n < count; ++n)
                    next.emplace_back(replace_all(l, placeholder, std::to_string(n)),
                                      replace_all(s, placeholder, std::to_string(n)));
            names = std::move(next);
        }
        for (auto& [l, s] : names) expanded[l] = s;
    }
    c.tensor_names = std::move(expanded);
}

std::string format_for(const ModelConfig& config, const std::string& weights_path) {
    if (!config.weight_format.empty()) return config.weight_format;
    std::error_code ec;
    if (fs::is_directory(weights_path, ec)) return "hf";
    if (has_extension(weights_path, ".gguf")) return "gguf";
    return "safetensors";
}

LoadedModel load_from_toml(const std::string& path) {
    LoadedModel model;
    model.config = parse_config_toml(path);
    ModelConfig& c = model.config;
    const fs::path dir = fs::path(path).parent_path();
    if (c.weights.empty())
        throw InputError(path + ": weights.path is not set; say which file holds the weights");
    c.weights = resolve(dir, c.weights);
    c.tokenizer = resolve(dir, c.tokenizer);
    expand_tensor_name_patterns(c);

    std::error_code ec;
    if (!fs::exists(c.weights, ec))
        throw InputError(path + ": weights.path '" + c.weights + "' does not exist");
    if (!c.tokenizer.empty() && !fs::exists(c.tokenizer, ec))
        throw InputError(path + ": weights.tokenizer '" + c.tokenizer + "' does not exist");
    const std::string format = format_for(c, c.weights);
    if (format != "safetensors" && !c.tensor_names.empty())  // the hf and gguf readers name tensors themselves
        throw InputError(path + ": [tensor_names] applies to weights.format = \"safetensors\" only; with format \"" +
                         format + "\" it would be ignored, so remove it");
    if (format == "safetensors") {
        model.weights = load_safetensors_weights(c, c.weights);
    } else if (format == "hf") {
        model.weights = load_hf_weights(c, c.weights);
    } else {  // gguf: its tensors, this file's architecture
        LoadedModel gguf = load_gguf(c.weights);
        model.weights = std::move(gguf.weights);
    }
    return model;
}

}  // namespace

LoadedModel load_model(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    LoadedModel model;
    if (fs::is_directory(p, ec)) {
        if (!fs::exists(p / "config.json", ec))
            throw InputError("'" + path + "' is a folder without a config.json; expected a Hugging Face model folder");
        model.config = import_hf_config(path);
        validate(model.config);  // config errors first, naming config.json keys, before any weight is read
        model.weights = load_hf_weights(model.config, path);
    } else if (!fs::exists(p, ec)) {
        throw InputError("model '" + path + "' does not exist");
    } else if (has_extension(p, ".toml")) {
        model = load_from_toml(path);
    } else if (has_extension(p, ".gguf")) {
        model = load_gguf(path);
    } else {
        throw InputError("don't know how to load '" + path +
                         "': expected a .toml config, a .gguf file or a Hugging Face folder");
    }
    if (model.config.source_path.empty()) model.config.source_path = path;
    if (model.weights.source.empty()) model.weights.source = path;
    validate(model.config);
    check_weights(model.config, model.weights);
    return model;
}

}  // namespace vkllm
