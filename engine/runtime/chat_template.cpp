#include "runtime/chat_template.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/json_document.h"
#include "vkllm/error.h"

namespace vkllm::runtime {

ChatFamily parse_chat_family(const std::string& name) {
    if (name == "none") return ChatFamily::None;
    if (name == "chatml" || name == "qwen") return ChatFamily::ChatML;
    if (name == "llama3") return ChatFamily::Llama3;
    if (name == "llama2" || name == "mistral") return ChatFamily::Llama2;
    if (name == "gemma") return ChatFamily::Gemma;
    throw InputError("chat template '" + name + "' is not one of none, chatml, llama3, llama2, mistral, gemma");
}

std::string chat_family_name(ChatFamily family) {
    switch (family) {
        case ChatFamily::None: return "none";
        case ChatFamily::ChatML: return "chatml";
        case ChatFamily::Llama3: return "llama3";
        case ChatFamily::Llama2: return "llama2";
        case ChatFamily::Gemma: return "gemma";
    }
    return "none";
}

std::string ChatTemplate::end_of_turn() const {
    switch (family_) {
        case ChatFamily::None: return "";
        case ChatFamily::ChatML: return "<|im_end|>";
        case ChatFamily::Llama3: return "<|eot_id|>";
        case ChatFamily::Llama2: return "</s>";
        case ChatFamily::Gemma: return "<end_of_turn>";
    }
    return "";
}

bool ChatTemplate::spells_bos() const {
    return family_ == ChatFamily::Llama3 || family_ == ChatFamily::Llama2 || family_ == ChatFamily::Gemma;
}

std::string ChatTemplate::user_turn(const std::string& user, bool first, const std::string& system) const {
    switch (family_) {
        case ChatFamily::None:
            if (!first) return "\n" + user;
            return system.empty() ? user : system + "\n\n" + user;
        case ChatFamily::ChatML: {
            std::string out = first ? "" : "<|im_end|>\n";
            if (first && !system.empty()) out += "<|im_start|>system\n" + system + "<|im_end|>\n";
            return out + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
        }
        case ChatFamily::Llama3: {
            std::string out = first ? "<|begin_of_text|>" : "<|eot_id|>";
            if (first && !system.empty())
                out += "<|start_header_id|>system<|end_header_id|>\n\n" + system + "<|eot_id|>";
            return out + "<|start_header_id|>user<|end_header_id|>\n\n" + user +
                   "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        }
        case ChatFamily::Llama2: {
            std::string out = first ? "<s>[INST] " : " </s><s>[INST] ";
            if (first && !system.empty()) out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
            return out + user + " [/INST]";
        }
        case ChatFamily::Gemma: {
            // Gemma has no system role: the system text leads the first user message.
            std::string out = first ? "<bos>" : "<end_of_turn>\n";
            out += "<start_of_turn>user\n";
            if (first && !system.empty()) out += system + "\n\n";
            return out + user + "<end_of_turn>\n<start_of_turn>model\n";
        }
    }
    return user;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
    size_t i = 0;
    std::string system;
    if (!messages.empty() && messages[0].role == "system") {
        system = messages[0].content;
        i = 1;
    }
    std::string out;
    bool first = true;
    for (; i < messages.size(); i += 2) {
        if (messages[i].role != "user")
            throw InputError("chat message " + std::to_string(i) + " has role '" + messages[i].role +
                             "' where a user message was expected");
        out += user_turn(messages[i].content, first, system);
        first = false;
        if (i + 1 < messages.size()) {
            if (messages[i + 1].role != "assistant")
                throw InputError("chat message " + std::to_string(i + 1) + " has role '" + messages[i + 1].role +
                                 "' where an assistant message was expected");
            out += messages[i + 1].content;
        } else if (!add_generation_prompt) {
            throw InputError("a conversation rendered without a generation prompt must end with an assistant message");
        }
    }
    return out;
}

ChatFamily detect_chat_family(std::string_view jinja_template) {
    auto has = [&](std::string_view marker) { return jinja_template.find(marker) != std::string_view::npos; };
    if (has("<|im_start|>")) return ChatFamily::ChatML;
    if (has("<|start_header_id|>")) return ChatFamily::Llama3;
    if (has("<start_of_turn>")) return ChatFamily::Gemma;
    if (has("[INST]")) return ChatFamily::Llama2;
    return ChatFamily::None;
}

ChatFamily detect_chat_family_from_tokens(const std::function<bool(std::string_view)>& has_token) {
    if (has_token("<|im_start|>") && has_token("<|im_end|>")) return ChatFamily::ChatML;
    if (has_token("<|start_header_id|>") && has_token("<|eot_id|>")) return ChatFamily::Llama3;
    if (has_token("<start_of_turn>") && has_token("<end_of_turn>")) return ChatFamily::Gemma;
    if (has_token("[INST]") && has_token("[/INST]")) return ChatFamily::Llama2;
    return ChatFamily::None;
}

std::string read_chat_template(const std::filesystem::path& tokenizer_config) {
    std::error_code ec;
    if (!std::filesystem::exists(tokenizer_config, ec)) return {};
    nlohmann::json config = read_json_file(tokenizer_config.string(), "tokenizer config");
    if (!config.is_object()) throw InputError(tokenizer_config.string() + ": not a JSON object");
    auto it = config.find("chat_template");
    if (it == config.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
        std::string fallback;
        for (const auto& entry : *it) {
            if (!entry.is_object() || !entry.contains("template") || !entry["template"].is_string()) continue;
            std::string body = entry["template"].get<std::string>();
            const auto name = entry.find("name");
            if (name != entry.end() && name->is_string() && name->get<std::string>() == "default") return body;
            if (fallback.empty()) fallback = body;
        }
        return fallback;
    }
    throw InputError(tokenizer_config.string() + ": chat_template must be a string or a list of named templates");
}

}  // namespace vkllm::runtime
