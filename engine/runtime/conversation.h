#pragma once
// A chat held in the engine: the conversation's tokens stay in one kept
// sequence (and its KV cache) from turn to turn, so each turn computes only its
// own new tokens. The template renders each user message; the reply is an
// engine request that continues the sequence.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/chat_template.h"
#include "vkllm/engine.h"

namespace vkllm::runtime {

class Conversation {
public:
    Conversation(Engine& engine, const tokenizer::Tokenizer& tok, uint32_t vocab, ChatTemplate chat_template,
                 std::string system);

    // Tokens this message adds: the template's user turn (after BOS when the
    // conversation starts). Throws InputError for a token the model lacks.
    std::vector<int32_t> turn_tokens(const std::string& user) const;
    // Whether the turn and at least one reply token fit the context on top of the conversation so far.
    bool fits(const std::vector<int32_t>& turn) const;
    // Tokens the engine will compute for the turn: the previous reply's last token (not yet fed) and the turn.
    uint32_t new_tokens(const std::vector<int32_t>& turn) const;
    // Submits the turn; the reply is `reply` (sampling, max_tokens, stops) continuing the conversation.
    uint64_t send(const std::vector<int32_t>& turn, Request reply, Engine::TokenCallback on_token);
    // Tokens of the conversation in the KV cache after the last reply.
    uint32_t tokens_in_use() const;
    void reset();
    bool fresh() const { return last_ == 0; }

private:
    Engine& engine_;
    const tokenizer::Tokenizer& tok_;
    uint32_t vocab_;
    ChatTemplate template_;
    std::string system_;
    uint64_t last_ = 0;  // the kept request holding the conversation; 0: none yet
};

}  // namespace vkllm::runtime
