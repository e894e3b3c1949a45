#include "runtime/conversation.h"

#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

namespace vkllm::runtime {

Conversation::Conversation(Engine& engine, const tokenizer::Tokenizer& tok, uint32_t vocab, ChatTemplate chat_template,
                           std::string system)
    : engine_(engine), tok_(tok), vocab_(vocab), template_(chat_template), system_(std::move(system)) {}

std::vector<int32_t> Conversation::turn_tokens(const std::string& user) const {
    std::vector<int32_t> out;
    if (fresh() && !template_.spells_bos()) out.insert(out.end(), tok_.prefix_ids().begin(), tok_.prefix_ids().end());
    std::vector<int32_t> text = tok_.encode(template_.user_turn(user, fresh(), system_), false);
    out.insert(out.end(), text.begin(), text.end());
    for (int32_t id : out)
        if (id < 0 || uint32_t(id) >= vocab_)
            throw InputError("token id " + std::to_string(id) + " from the tokenizer is outside the model's vocabulary of " +
                             std::to_string(vocab_) + " (tokenizer and model do not match)");
    return out;
}

bool Conversation::fits(const std::vector<int32_t>& turn) const {
    const uint64_t held = fresh() ? 0 : engine_.sequence_tokens(last_);
    return held + turn.size() + 1 <= engine_.context();
}

uint32_t Conversation::new_tokens(const std::vector<int32_t>& turn) const {
    const uint32_t pending = fresh() ? 0 : engine_.sequence_tokens(last_) - engine_.result(last_).context_tokens;
    return pending + uint32_t(turn.size());
}

uint64_t Conversation::send(const std::vector<int32_t>& turn, Request reply, Engine::TokenCallback on_token) {
    reply.prompt = turn;
    reply.text.clear();
    reply.keep = true;
    reply.continues = last_;
    last_ = engine_.submit(std::move(reply), std::move(on_token));
    return last_;
}

uint32_t Conversation::tokens_in_use() const { return fresh() ? 0 : engine_.result(last_).context_tokens; }

void Conversation::reset() {
    if (last_) engine_.release(last_);
    last_ = 0;
}

}  // namespace vkllm::runtime
