#include "openai_response.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
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

namespace {
json utf8_bytes(const std::string& text) {
    json bytes = json::array();
    for (unsigned char c : text) bytes.push_back(int(c));
    return bytes;
}
}  // namespace

json chat_logprobs_json(const std::vector<TokenLogprob>& entries) {
    json content = json::array();
    for (const TokenLogprob& t : entries) {
        json top = json::array();
        for (const TopLogprob& alt : t.top) top.push_back({{"token", alt.token}, {"logprob", alt.logprob}, {"bytes", utf8_bytes(alt.token)}});
        content.push_back({{"token", t.token}, {"logprob", t.logprob}, {"bytes", utf8_bytes(t.token)}, {"top_logprobs", top}});
    }
    return {{"content", content}, {"refusal", nullptr}};
}

json completion_logprobs_json(const std::vector<TokenLogprob>& entries, size_t text_offset, bool with_top) {
    json tokens = json::array(), logprobs = json::array(), offsets = json::array(), top = json::array();
    for (const TokenLogprob& t : entries) {
        tokens.push_back(t.token);
        logprobs.push_back(t.logprob);
        offsets.push_back(text_offset + t.offset);
        json alternatives = json::object();  // by text, as OpenAI's (two tokens of one text keep the likelier)
        for (const TopLogprob& alt : t.top)
            if (!alternatives.contains(alt.token)) alternatives[alt.token] = alt.logprob;
        top.push_back(std::move(alternatives));
    }
    return {{"tokens", tokens}, {"token_logprobs", logprobs}, {"top_logprobs", with_top ? top : json(nullptr)}, {"text_offset", offsets}};
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

std::string base64_floats(const std::vector<float>& values) {
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<unsigned char> bytes(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t u;
        std::memcpy(&u, &values[i], 4);
        for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = (u >> (8 * b)) & 0xff;  // little-endian whatever the host
    }
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        const uint32_t group = uint32_t(bytes[i]) << 16 | (n > 1 ? uint32_t(bytes[i + 1]) << 8 : 0) | (n > 2 ? bytes[i + 2] : 0);
        for (size_t k = 0; k < 4; ++k) out += k <= n ? digits[(group >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
}

json embeddings_json(const std::string& model, const std::vector<std::vector<float>>& embeddings, bool base64,
                     uint64_t prompt_tokens) {
    json data = json::array();
    for (size_t i = 0; i < embeddings.size(); ++i)
        data.push_back({{"object", "embedding"}, {"index", i},
                        {"embedding", base64 ? json(base64_floats(embeddings[i])) : json(embeddings[i])}});
    return {{"object", "list"}, {"data", std::move(data)}, {"model", model},
            {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const json& data) { return "data: " + dump(data) + "\n\n"; }

}  // namespace vkllm::serve
