// import_hf_config: a Hugging Face model directory's config.json -> ModelConfig.
#include <filesystem>
#include <fstream>

#include "common/json_document.h"
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

// The config.json keys that hold each TOML key's value, first match wins; the
// families read these (hf_config_*.cpp), so a validation message can name
// the key the user wrote.
void record_source_keys(const HfJson& json, ModelConfig& config) {
    struct Spelling {
        const char* toml_key;
        const char* hf_keys[5];  // null-terminated
    };
    static const Spelling kKeys[] = {
        {"model.vocab_size", {"vocab_size"}},
        {"model.hidden_size", {"hidden_size", "n_embd", "n_embed", "d_model"}},
        {"model.num_layers", {"num_hidden_layers", "n_layer"}},
        {"model.num_heads", {"num_attention_heads", "n_head"}},
        {"model.num_kv_heads", {"num_key_value_heads", "num_kv_heads"}},
        {"model.head_dim", {"head_dim"}},
        {"model.max_position", {"max_position_embeddings", "n_positions", "seq_length"}},
        {"model.type_vocab_size", {"type_vocab_size"}},
        {"norm.epsilon", {"rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps"}},
        {"ffn.intermediate_size", {"intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"}},
        {"attention.sliding_window", {"sliding_window"}},
        {"attention.sliding_window_pattern", {"sliding_window_pattern", "layer_types"}},
        {"attention.logit_softcap", {"attn_logit_softcapping"}},
        {"attention.scale", {"query_pre_attn_scalar"}},
        {"output.logit_softcap", {"final_logit_softcapping"}},
        {"position.local_theta", {"rope_local_base_freq"}},
        {"position.theta", {"rope_theta", "rotary_emb_base"}},
        {"position.partial_rotary_fraction", {"partial_rotary_factor", "rotary_pct"}},
        {"moe.num_experts", {"num_local_experts", "num_experts"}},
        {"moe.top_k", {"num_experts_per_tok"}},
        {"moe.expert_intermediate_size", {"moe_intermediate_size"}},
        {"moe.shared_expert_intermediate_size", {"shared_expert_intermediate_size"}},
    };
    for (const Spelling& spelling : kKeys)
        for (const char* const* key = spelling.hf_keys; *key; ++key)
            if (json.has(*key)) {
                config.source_keys.by_toml_key[spelling.toml_key] = *key;
                break;
            }
}

// An encoder's pooling: a sentence-transformers folder says it in
// 1_Pooling/config.json (pooling_mode_cls_token / pooling_mode_mean_tokens);
// without one, the mean over the tokens.
Pooling sentence_transformers_pooling(const std::string& dir) {
    const std::filesystem::path path = std::filesystem::path(dir) / "1_Pooling" / "config.json";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Pooling::Mean;
    const nlohmann::json j = read_json_file(path.string(), "pooling config");
    auto on = [&](const char* key) { return j.is_object() && j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); };
    if (on("pooling_mode_cls_token")) return Pooling::Cls;
    if (on("pooling_mode_mean_tokens")) return Pooling::Mean;
    throw InputError(path.string() + ": only pooling_mode_mean_tokens or pooling_mode_cls_token is supported");
}

}  // namespace

ModelConfig import_hf_config(const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path config_path = fs::path(dir) / "config.json";
    const std::string source = config_path.string();
    std::error_code exists_ec;
    if (!fs::exists(config_path, exists_ec))
        throw InputError(source + ": cannot open (expected a Hugging Face model directory)");
    nlohmann::json root = read_json_file(source, "config file");
    if (!root.is_object()) throw InputError(source + ": not a JSON object");
    const HfJson json(std::move(root), source);

    ModelConfig config;
    config.source_path = source;
    config.hf_architecture = architecture_of(json);
    const HfFamily& family = find_hf_family(config.hf_architecture, source);
    family.read_config(json, config);
    record_source_keys(json, config);

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
    if (config.kind == ModelKind::EncoderOnly) config.pooling = sentence_transformers_pooling(dir);
    return config;
}

}  // namespace vkllm
