#include "choice_text.h"

namespace vkllm::serve {
namespace {

const char* openai_finish_reason(FinishReason r) {
    switch (r) {
        case FinishReason::Length:
        case FinishReason::ContextFull: return "length";
        case FinishReason::Cancelled: return "cancelled";
        default: return "stop";
    }
}

}  // namespace

ChoiceUpdate ChoiceText::apply(const ChoiceEvent& e) {
    ChoiceUpdate out;
    if (finished()) return out;
    if (!e.error.empty()) {
        error_ = e.error;
        return out;
    }
    // A token that ends the turn (EOS, end of turn) has no text and no place in the reply's log-probabilities.
    const bool end_token = e.finished == FinishReason::Eos || e.finished == FinishReason::StopToken;
    if (e.token >= 0) {
        ++tokens_;
        if (logprobs_ && !end_token) {
            TokenLogprob entry{e.text, e.logprob, pushed_, {}};
            for (const TokenAlternative& t : e.top)
                entry.top.push_back({tokenizer_ ? tokenizer_->decode(std::span<const int32_t>(&t.token, 1)) : std::string(), t.logprob});
            pending_.push_back({std::move(entry), pushed_ + e.text.size()});
        }
    }
    pushed_ += e.text.size();
    out.text = filter_.push(e.text);
    if (e.finished != FinishReason::None) {
        out.text += filter_.finish();
        finish_reason_ = openai_finish_reason(e.finished);
    }
    // Tokens whose text is all handed out; at the end, those cut by a stop string are dropped.
    size_t i = 0;
    for (; i < pending_.size() && pending_[i].end <= filter_.released(); ++i) out.logprobs.push_back(pending_[i].entry);
    pending_.erase(pending_.begin(), pending_.begin() + i);
    if (finish_reason_) pending_.clear();
    return out;
}

}  // namespace vkllm::serve
