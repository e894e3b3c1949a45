#include "openai_response.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

namespace vkllm::serve {

using json = nlohmann::json;

ResponseHead make_head(Endpoint endpoint, const std::string& model) {
    static std::atomic<uint64_t> counter{0};
    static const uint64_t salt = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
    char id[64];
    std::snprintf(id, sizeof id, "%s-%016llx%08llx", endpoint == Endpoint::Chat ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(salt), static_cast<unsigned long long>(++counter));
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return {id, model, std::chrono::duration_cast<std::chrono::seconds>(now).count()};
}

json usage_json(uint64_t prompt_tokens, uint64_t completion_tokens) {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}};
}

json chat_logprobs_json(const std::vector<TokenLogprob>& entries) {
    json content = json::array();
    for (const TokenLogprob& t : entries) {
        json bytes = json::array();
        for (unsigned char c : t.token) bytes.push_back(int(c));
        content.push_back({{"token", t.token}, {"logprob", t.logprob}, {"bytes", bytes}, {"top_logprobs", json::array()}});
    }
    return {{"content", content}, {"refusal", nullptr}};
}

json completion_logprobs_json(const std::vector<TokenLogprob>& entries, size_t text_offset) {
    json tokens = json::array(), logprobs = json::array(), offsets = json::array();
    for (const TokenLogprob& t : entries) {
        tokens.push_back(t.token);
        logprobs.push_back(t.logprob);
        offsets.push_back(text_offset + t.offset);
    }
    return {{"tokens", tokens}, {"token_logprobs", logprobs}, {"top_logprobs", nullptr}, {"text_offset", offsets}};
}

json chat_choice_json(uint32_t index, const std::string& text, const json& logprobs, const std::string& finish_reason) {
    return {{"index", index},
            {"message", {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}}},
            {"logprobs", logprobs},
            {"finish_reason", finish_reason}};
}

json completion_choice_json(uint32_t index, const std::string& text, const json& logprobs, const std::string& finish_reason) {
    return {{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish_reason}};
}

json response_json(Endpoint endpoint, const ResponseHead& head, json choices, json usage) {
    return {{"id", head.id},
            {"object", endpoint == Endpoint::Chat ? "chat.completion" : "text_completion"},
            {"created", head.created},
            {"model", head.model},
            {"system_fingerprint", nullptr},
            {"choices", std::move(choices)},
            {"usage", std::move(usage)}};
}

json chunk_json(Endpoint endpoint, const ResponseHead& head, uint32_t index, const std::optional<std::string>& text, bool role,
                const json& logprobs, const std::optional<std::string>& finish_reason) {
    json choice = {{"index", index}, {"logprobs", logprobs},
                   {"finish_reason", finish_reason ? json(*finish_reason) : json(nullptr)}};
    if (endpoint == Endpoint::Chat) {
        json delta = json::object();
        if (role) delta["role"] = "assistant";
        if (text) delta["content"] = *text;
        choice["delta"] = delta;
    } else {
        choice["text"] = text.value_or("");
    }
    return {{"id", head.id},
            {"object", endpoint == Endpoint::Chat ? "chat.completion.chunk" : "text_completion"},
            {"created", head.created},
            {"model", head.model},
            {"system_fingerprint", nullptr},
            {"choices", json::array({choice})}};
}

json usage_chunk_json(Endpoint endpoint, const ResponseHead& head, json usage) {
    return {{"id", head.id},
            {"object", endpoint == Endpoint::Chat ? "chat.completion.chunk" : "text_completion"},
            {"created", head.created},
            {"model", head.model},
            {"system_fingerprint", nullptr},
            {"choices", json::array()},
            {"usage", std::move(usage)}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const json& data) { return "data: " + dump(data) + "\n\n"; }

}  // namespace vkllm::serve
