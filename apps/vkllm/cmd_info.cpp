// `vkllm info MODEL`: loads and checks a model and the tokenizer it names on
// the CPU (no GPU needed) and summarises its architecture, size and KV-cache cost.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "command.h"
#include "model/model_tokenizer.h"
#include "model/config_names.h"
#include "model/load.h"
#include "kv/kv_cache.h"
#include "kv/kv_type.h"
#include "model/param_count.h"

namespace vkllm::cli {
namespace {

// K and V bytes per token for every KV cache type the model's head size allows (--kv-type).
std::vector<std::pair<std::string, uint64_t>> kv_bytes_per_token(const ModelConfig& c) {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (DType type : kv::cache_types()) {
        if (c.head_size() % dtype_traits(type).block_values != 0) continue;
        const kv::KvGeometry g{c.num_layers, c.kv_heads(), c.head_size(), 16, type};
        out.emplace_back(dtype_traits(type).name, g.bytes_per_token());
    }
    return out;
}

using nlohmann::ordered_json;

ordered_json position_json(const ModelConfig& c) {
    ordered_json p{{"type", to_string(c.position)}};
    if (c.position == PositionEncoding::RoPE) {
        p["theta"] = c.rope.theta;
        p["rotary_dims"] = uint32_t(c.head_size() * c.rope.partial_rotary_fraction + 0.5);
        p["style"] = to_string(c.rope.style);
        if (c.rope.scaling != RopeScaling::None)
            p["scaling"] = {{"type", to_string(c.rope.scaling)},
                            {"factor", c.rope.factor},
                            {"original_max_position", c.rope.original_max_position}};
        if (!c.rope.frequency_factors.empty()) p["frequency_factors"] = c.rope.frequency_factors;
    }
    if (c.position == PositionEncoding::Learned) p["offset"] = c.learned_position_offset;
    return p;
}

ordered_json summary_json(const LoadedModel& model, bool with_weights) {
    const ModelConfig& c = model.config;
    const ParameterCount params = count_parameters(c);
    ordered_json bytes = ordered_json::object();
    uint64_t total_bytes = 0;
    for (const auto& [dtype, n] : bytes_by_dtype(model.weights)) bytes[dtype] = n, total_bytes += n;

    ordered_json j;
    j["name"] = c.name;
    j["source"] = c.source_path;
    j["kind"] = to_string(c.kind);
    j["vocab_size"] = c.vocab_size;
    j["hidden_size"] = c.hidden_size;
    j["num_layers"] = c.num_layers;
    j["max_position"] = c.max_position;
    j["attention"] = {{"type", attention_kind(c)},
                      {"num_heads", c.num_heads},
                      {"num_kv_heads", c.kv_heads()},
                      {"head_dim", c.head_size()},
                      {"causal", c.attention.causal},
                      {"sliding_window", c.attention.sliding_window},
                      {"sliding_window_pattern", c.attention.sliding_window_pattern},
                      {"logit_softcap", c.attention.logit_softcap},
                      {"qk_norm", c.attention.qk_norm}};
    j["position"] = position_json(c);
    j["norm"] = {{"type", to_string(c.norm.type)},
                 {"epsilon", c.norm.epsilon},
                 {"placement", c.norm_before ? "pre" : "post"},
                 {"post_attention", c.norm.post_attention},
                 {"post_ffn", c.norm.post_ffn}};
    j["block"] = to_string(c.block);
    j["ffn"] = {{"gated", c.ffn.gated},
                {"activation", to_string(c.ffn.activation)},
                {"intermediate_size", c.ffn.intermediate_size}};
    if (c.moe.num_experts > 0)
        j["moe"] = {{"num_experts", c.moe.num_experts},
                    {"top_k", c.moe.top_k},
                    {"router", to_string(c.moe.router)},
                    {"shared_experts", c.moe.shared_experts}};
    j["tied_embeddings"] = c.tie_embeddings;
    j["logit_softcap"] = c.final_logit_softcap;
    j["parameters"] = {{"total", params.total}, {"active_per_token", params.active_per_token},
                       {"embedding", params.embedding}};
    if (with_weights)
        j["weights"] = {{"tensors", model.weights.tensors().size()}, {"bytes", total_bytes}, {"bytes_by_dtype", bytes}};
    j["kv_cache_bytes_per_token"] = nlohmann::json::object();
    for (const auto& [type, bytes] : kv_bytes_per_token(c)) j["kv_cache_bytes_per_token"][type] = bytes;
    return j;
}

std::string human_count(uint64_t n) {
    char buf[32];
    if (n >= 1'000'000'000ull)
        std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
    else if (n >= 1'000'000ull)
        std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
    else if (n >= 1'000ull)
        std::snprintf(buf, sizeof buf, "%.2f K", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    return buf;
}

std::string human_bytes(uint64_t n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(n);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", v, units[u]);
    return buf;
}

std::string flag(bool b, const char* text) { return b ? std::string(", ") + text : std::string(); }

void print_text(const LoadedModel& model, bool with_weights) {
    const ModelConfig& c = model.config;
    const ParameterCount params = count_parameters(c);
    std::printf("model        %s (%s)\n", c.name.empty() ? "(unnamed)" : c.name.c_str(), c.source_path.c_str());
    std::printf("kind         %s, %u layers, hidden %u, vocab %u, max position %u\n",
                std::string(to_string(c.kind)).c_str(), c.num_layers, c.hidden_size, c.vocab_size, c.max_position);
    std::string window = c.attention.sliding_window ? ", sliding window " + std::to_string(c.attention.sliding_window)
                                                    : std::string();
    if (c.attention.sliding_window && c.attention.sliding_window_pattern)
        window += " (1 in " + std::to_string(c.attention.sliding_window_pattern) + " layers global)";
    if (c.attention.logit_softcap > 0) {
        char buf[48];
        std::snprintf(buf, sizeof buf, ", score cap %g", c.attention.logit_softcap);
        window += buf;
    }
    std::printf("attention    %s: %u heads, %u kv heads, head dim %u, %s%s%s%s\n", attention_kind(c).c_str(),
                c.num_heads, c.kv_heads(), c.head_size(), c.attention.causal ? "causal" : "bidirectional",
                window.c_str(), flag(c.attention.qk_norm, "qk norm").c_str(),
                flag(c.attention.qkv_bias, "qkv bias").c_str());
    std::string position(to_string(c.position));
    if (c.position == PositionEncoding::RoPE) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " (theta %g, fraction %g, %s", c.rope.theta, c.rope.partial_rotary_fraction,
                      std::string(to_string(c.rope.style)).c_str());
        position += buf;
        if (c.rope.scaling != RopeScaling::None) {
            std::snprintf(buf, sizeof buf, ", %s scaling x%g", std::string(to_string(c.rope.scaling)).c_str(),
                          c.rope.factor);
            position += buf;
        }
        if (!c.rope.frequency_factors.empty())
            position += ", " + std::to_string(c.rope.frequency_factors.size()) + " frequency factors";
        if (c.rope.local_theta > 0) {
            std::snprintf(buf, sizeof buf, "; windowed layers theta %g", c.rope.local_theta);
            position += buf;
        }
        position += ")";
    }
    std::printf("position     %s\n", position.c_str());
    std::printf("norm         %s, eps %g, %s-norm%s\n", std::string(to_string(c.norm.type)).c_str(), c.norm.epsilon,
                c.norm_before ? "pre" : "post", (flag(c.block == BlockLayout::ParallelResidual, "parallel residual") +
                                                 flag(c.norm.post_attention, "attention output norm") +
                                                 flag(c.norm.post_ffn, "ffn output norm")).c_str());
    std::printf("ffn          %s%s, intermediate %u\n", c.ffn.gated ? "gated " : "",
                std::string(to_string(c.ffn.activation)).c_str(), c.ffn.intermediate_size);
    if (c.moe.num_experts > 0)
        std::printf("moe          %u experts, top %u, %s router%s\n", c.moe.num_experts, c.moe.top_k,
                    std::string(to_string(c.moe.router)).c_str(),
                    c.moe.shared_experts ? (", " + std::to_string(c.moe.shared_experts) + " shared").c_str() : "");
    std::printf("embeddings   %s\n", c.tie_embeddings ? "tied to the output head" : "separate output head");
    if (c.final_logit_softcap > 0) std::printf("logits       soft-capped at %g\n", c.final_logit_softcap);
    std::printf("parameters   %s (%llu)", human_count(params.total).c_str(), (unsigned long long)params.total);
    if (params.active_per_token != params.total)
        std::printf(", %s active per token", human_count(params.active_per_token).c_str());
    std::printf("\n");
    if (!with_weights) {
        std::printf("weights      not loaded (--config-only)\n");
    } else {
        uint64_t total_bytes = 0;
        std::string by_dtype;
        for (const auto& [dtype, n] : bytes_by_dtype(model.weights)) {
            total_bytes += n;
            by_dtype += (by_dtype.empty() ? "" : ", ") + dtype + " " + human_bytes(n);
        }
        std::printf("weights      %zu tensors, %s (%s)\n", model.weights.tensors().size(),
                    human_bytes(total_bytes).c_str(), by_dtype.c_str());
    }
    std::string kv;
    for (const auto& [type, bytes] : kv_bytes_per_token(c))
        kv += (kv.empty() ? "" : ", ") + human_bytes(bytes) + " in " + type;
    std::printf("kv cache     per token %s\n", kv.c_str());
}

Registration info_command{
    "info", "Check a model (config and weights, on the CPU) and summarise it",
    [](CLI::App& sub) -> std::function<int()> {
        auto path = std::make_shared<std::string>();
        auto json = std::make_shared<bool>(false);
        auto config_only = std::make_shared<bool>(false);
        sub.add_option("model", *path, "model: .toml config, .gguf file or Hugging Face folder")->required();
        sub.add_flag("--json", *json, "print the summary as JSON");
        sub.add_flag("--config-only", *config_only,
                     "check and summarise the config only, not the weights");
        return [path, json, config_only] {
            LoadedModel model;
            std::error_code ec;
            if (*config_only && std::filesystem::is_directory(*path, ec)) {
                model.config = import_hf_config(*path);
                validate(model.config);
            } else if (*config_only && std::filesystem::path(*path).extension() == ".gguf") {
                model.config = load_gguf(*path).config;  // metadata and tensors share one file
                validate(model.config);
            } else if (*config_only) {
                model.config = parse_config_toml(*path);
            } else {
                model = load_model(*path);
                // The tokenizer it names must fit it too: the checks `run` makes before generating.
                load_own_tokenizer(model.config);
            }
            if (*json)
                std::printf("%s\n", summary_json(model, !*config_only).dump(2).c_str());
            else
                print_text(model, !*config_only);
            return 0;
        };
    }};

}  // namespace
}  // namespace vkllm::cli
