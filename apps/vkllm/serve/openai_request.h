#pragma once
// OpenAI request bodies → engine requests: /v1/chat/completions,
// /v1/completions and /v1/embeddings parsed and checked against the served model. Every refusal
// is an ApiError 400 naming the field (malformed JSON, wrong types, values out
// of range, an unknown model, fields this server cannot honour, a prompt or
// max_tokens past the context, n above the limit).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"

namespace vkllm::serve {

// What requests are checked against.
struct ServedModel {
    std::string id;                        // the name /v1/models lists and requests must give
    uint32_t context = 0;                  // most tokens a sequence may hold (prompt + completion)
    uint32_t vocab = 0;
    const tokenizer::Tokenizer* tokenizer = nullptr;
    runtime::ChatFamily chat_family = runtime::ChatFamily::None;
    std::optional<int32_t> end_of_turn;    // the chat template's end-of-turn token, when the vocabulary has it
    uint32_t max_n = 8;                    // most choices per request
    bool encoder = false;                  // an encoder model: embeddings only (tokenizer may be null)
    uint32_t embedding_size = 0;
};

enum class Endpoint { Chat, Completion };

// One HTTP generation request: prompts × n engine requests, choice index
// prompt * n + i (seeds seed, seed + 1, ... within a prompt).
struct GenerationSpec {
    Endpoint endpoint = Endpoint::Chat;
    bool stream = false;
    bool include_usage = false;           // stream_options.include_usage
    bool logprobs = false;                // the chosen tokens' log-probabilities
    uint32_t top_logprobs = 0;            // and this many alternatives per token
    uint32_t n = 1;
    std::vector<std::string> stop;
    std::vector<std::string> echo;        // per prompt: text put in front of each completion (completions' echo)
    std::vector<uint32_t> prompt_tokens;  // per prompt
    std::vector<Request> requests;
};

// One /v1/embeddings request: its inputs as tokens.
struct EmbeddingSpec {
    std::vector<std::vector<int32_t>> inputs;
    bool base64 = false;  // encoding_format "base64": little-endian float32, base64-encoded
    uint64_t prompt_tokens = 0;
};

// The body as JSON: malformed or too deeply nested JSON and a non-object are 400s.
nlohmann::json parse_body(const std::string& body);

GenerationSpec parse_chat_request(const nlohmann::json& body, const ServedModel& model);
GenerationSpec parse_completion_request(const nlohmann::json& body, const ServedModel& model);
// /v1/embeddings: input as a string, an array of strings, a token array or an array of token arrays.
EmbeddingSpec parse_embedding_request(const nlohmann::json& body, const ServedModel& model);

}  // namespace vkllm::serve
