#pragma once
// OpenAI response bodies: chat.completion, chat.completion.chunk and
// text_completion objects, usage, and the SSE framing of a stream.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "choice_text.h"
#include "openai_request.h"

namespace vkllm::serve {

// What every object of one response shares.
struct ResponseHead {
    std::string id;       // chatcmpl-... / cmpl-...
    std::string model;
    int64_t created = 0;  // seconds since the epoch
};

ResponseHead make_head(Endpoint endpoint, const std::string& model);

nlohmann::json usage_json(uint64_t prompt_tokens, uint64_t completion_tokens);

// The log-probabilities of one piece of a choice (null when not asked for).
nlohmann::json chat_logprobs_json(const std::vector<TokenLogprob>& entries);
// `with_top`: top_logprobs holds each token's alternatives {text: logprob} (else null).
nlohmann::json completion_logprobs_json(const std::vector<TokenLogprob>& entries, size_t text_offset, bool with_top);

// One finished choice of a non-streamed response.
nlohmann::json chat_choice_json(uint32_t index, const std::string& text, const nlohmann::json& logprobs,
                                const std::string& finish_reason);
nlohmann::json completion_choice_json(uint32_t index, const std::string& text, const nlohmann::json& logprobs,
                                      const std::string& finish_reason);
nlohmann::json response_json(Endpoint endpoint, const ResponseHead& head, nlohmann::json choices, nlohmann::json usage);

// One streamed chunk of one choice: a delta of text, the chat role first, a finish reason last.
nlohmann::json chunk_json(Endpoint endpoint, const ResponseHead& head, uint32_t index, const std::optional<std::string>& text,
                          bool role, const nlohmann::json& logprobs, const std::optional<std::string>& finish_reason);
// The closing usage chunk (stream_options.include_usage): no choices.
nlohmann::json usage_chunk_json(Endpoint endpoint, const ResponseHead& head, nlohmann::json usage);

// A /v1/embeddings response: one embedding object per input, as floats or as
// base64 of their little-endian float32 bytes (encoding_format "base64").
nlohmann::json embeddings_json(const std::string& model, const std::vector<std::vector<float>>& embeddings, bool base64,
                               uint64_t prompt_tokens);
std::string base64_floats(const std::vector<float>& values);

// "data: <json>\n\n" (invalid UTF-8 replaced), and the stream's end.
std::string sse_event(const nlohmann::json& data);
constexpr const char* kSseDone = "data: [DONE]\n\n";

// JSON text with invalid UTF-8 replaced rather than thrown on.
std::string dump(const nlohmann::json& j);

}  // namespace vkllm::serve
