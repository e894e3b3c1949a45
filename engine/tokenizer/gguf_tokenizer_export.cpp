#include "tokenizer/gguf_tokenizer_export.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenizer/pre_tokenizer.h"
#include "vkllm/error.h"

namespace vkllm::tokenizer {
namespace {

using json = nlohmann::json;

enum : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

std::string type_of(const json& j) { return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : ""; }

bool flag(const json& j, const char* key, bool fallback) {
    return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

// tokenizer.ggml.pre for the pre-tokenizer, or "" when the reader knows none that matches.
std::string pre_name(const json& pre) {
    if (type_of(pre) == "ByteLevel")
        return flag(pre, "use_regex", true) && !flag(pre, "add_prefix_space", false) ? "gpt2" : "";
    if (type_of(pre) != "Sequence" || !pre.contains("pretokenizers") || !pre["pretokenizers"].is_array() ||
        pre["pretokenizers"].size() != 2)
        return "";
    const json& split = pre["pretokenizers"][0];
    const json& bytes = pre["pretokenizers"][1];
    if (type_of(split) != "Split" || type_of(bytes) != "ByteLevel" || flag(bytes, "use_regex", true) ||
        flag(bytes, "add_prefix_space", false) || !split.contains("pattern") || !split["pattern"].is_object() ||
        !split["pattern"].contains("Regex") || !split["pattern"]["Regex"].is_string())
        return "";
    if (!split.contains("behavior") || split["behavior"] != "Isolated" || flag(split, "invert", false)) return "";
    const std::string regex = split["pattern"]["Regex"].get<std::string>();
    if (regex == kLlama3WordPattern) return "llama-bpe";
    if (regex == kQwen2WordPattern) return "qwen2";
    return "";
}

}  // namespace

std::optional<GgufTokenizerMetadata> gguf_metadata_from_tokenizer_json(const std::filesystem::path& path,
                                                                       std::size_t vocab_size, std::string& why_not) {
    // The engine's own reader decides BOS/EOS and the special-token wrapping
    // (tokenizer_config.json included), so the GGUF file behaves the same.
    const Tokenizer reference = load_tokenizer(path);
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    json root = json::parse(text.str(), nullptr, false);
    if (root.is_discarded() || !root.is_object()) throw InputError(path.string() + ": not valid JSON");
    const json& model = root["model"];
    if (type_of(model) != "BPE") {
        why_not = "tokenizer model '" + type_of(model) + "' is not BPE";
        return std::nullopt;
    }
    if (!root["normalizer"].is_null() && type_of(root["normalizer"]) != "NFC") {
        why_not = "normalizer '" + type_of(root["normalizer"]) + "' has no GGUF form";
        return std::nullopt;
    }
    GgufTokenizerMetadata m;
    m.source = path.string();
    m.model = "gpt2";
    m.pre = pre_name(root["pre_tokenizer"]);
    if (m.pre.empty()) {
        why_not = "pre-tokenizer '" + type_of(root["pre_tokenizer"]) +
                  "' is not one the GGUF reader knows (byte-level GPT-2, Llama 3 or Qwen 2 splitting)";
        return std::nullopt;
    }
    if (!model.contains("vocab") || !model["vocab"].is_object() || !model.contains("merges") ||
        !model["merges"].is_array())
        throw InputError(path.string() + ": model.vocab / model.merges missing");

    std::size_t size = std::max(vocab_size, reference.vocab_size());
    m.tokens.assign(size, "");
    m.token_types.assign(size, kUnused);
    auto set = [&](int64_t id, const std::string& token, int32_t type) {
        if (id < 0 || std::size_t(id) >= size) throw InputError(path.string() + ": token id " + std::to_string(id) + " is outside the vocabulary");
        m.tokens[id] = token;
        m.token_types[id] = type;
    };
    for (auto it = model["vocab"].begin(); it != model["vocab"].end(); ++it) set(it.value().get<int64_t>(), it.key(), kNormal);
    if (root.contains("added_tokens") && root["added_tokens"].is_array())
        for (const json& t : root["added_tokens"])
            set(t.at("id").get<int64_t>(), t.at("content").get<std::string>(), flag(t, "special", false) ? kControl : kUserDefined);
    for (std::size_t id = 0; id < size; ++id)
        if (m.token_types[id] == kUnused) m.tokens[id] = "[PAD" + std::to_string(id) + "]";

    for (const json& merge : model["merges"]) {
        if (merge.is_string()) m.merges.push_back(merge.get<std::string>());
        else if (merge.is_array() && merge.size() == 2) m.merges.push_back(merge[0].get<std::string>() + " " + merge[1].get<std::string>());
        else throw InputError(path.string() + ": model.merges holds an entry that is neither \"a b\" nor [a, b]");
    }

    m.bos_id = reference.bos_id();
    m.eos_id = reference.eos_id();
    const auto& prefix = reference.prefix_ids();
    const auto& suffix = reference.suffix_ids();
    if (prefix.size() > 1 || suffix.size() > 1 || (prefix.size() == 1 && prefix[0] != m.bos_id) ||
        (suffix.size() == 1 && suffix[0] != m.eos_id)) {
        why_not = "special-token wrapping other than one BOS in front / one EOS at the end";
        return std::nullopt;
    }
    m.add_bos = prefix.size() == 1;
    m.add_eos = suffix.size() == 1;
    return m;
}

}  // namespace vkllm::tokenizer
