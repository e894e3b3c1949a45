// import_hf_config: a Hugging Face model directory's config.json -> ModelConfig.
#include <filesystem>
#include <fstream>

#include "model/hf_families.h"
#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

std::string storage_dtype(const HfJson& json) {
    const char* key = json.first_present({"dtype", "torch_dtype"});
    const std::string value = key ? json.string_or(key, "float32") : "float32";
    if (value == "float16") return "f16";
    if (value == "bfloat16") return "bf16";
    return "f32";
}

std::string architecture_of(const HfJson& json) {
    const nlohmann::json* list = json.value("architectures");
    if (!list) json.fail("architectures", "missing (supported: " + supported_hf_architectures() + ")");
    if (!list->is_array() || list->size() != 1 || !(*list)[0].is_string())
        json.fail("architectures", "expected a list with one class name, got " + list->dump());
    return (*list)[0].get<std::string>();
}

}  // namespace

ModelConfig import_hf_config(const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path config_path = fs::path(dir) / "config.json";
    const std::string source = config_path.string();
    std::ifstream in(config_path);
    if (!in) throw InputError(source + ": cannot open (expected a Hugging Face model directory)");
    nlohmann::json root = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded() || !root.is_object()) throw InputError(source + ": not a valid JSON object");
    const HfJson json(std::move(root), source);

    ModelConfig config;
    config.source_path = source;
    config.hf_architecture = architecture_of(json);
    const HfFamily& family = find_hf_family(config.hf_architecture, source);
    family.read_config(json, config);

    std::error_code ec;
    const fs::path abs_dir = fs::absolute(dir, ec);
    fs::path named = (ec ? fs::path(dir) : abs_dir).lexically_normal();
    if (named.filename().empty()) named = named.parent_path();  // "dir/" form
    config.name = named.filename().string();
    if (config.name.empty()) config.name = json.string_or("model_type", "model");
    config.dtype = storage_dtype(json);
    config.weight_format = "hf";
    config.weights = dir;
    if (fs::exists(fs::path(dir) / "tokenizer.json", ec)) config.tokenizer = (fs::path(dir) / "tokenizer.json").string();
    return config;
}

}  // namespace vkllm
