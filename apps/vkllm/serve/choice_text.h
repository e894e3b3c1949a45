#pragma once
// One choice of a generation as the client sees it: engine events in, the
// text that may be handed out (stop strings held back and cut), the chosen
// tokens' log-probabilities for that text, the finish reason and the count of
// generated tokens.
#include <optional>
#include <string>
#include <vector>

#include "engine_worker.h"
#include "stop_filter.h"
#include "tokenizer/tokenizer.h"

namespace vkllm::serve {

// One of the most likely tokens at a step: its text alone and its log-probability.
struct TopLogprob {
    std::string token;
    float logprob = 0;
};

struct TokenLogprob {
    std::string token;  // the text the token completes
    float logprob = 0;
    size_t offset = 0;  // where that text starts in the choice's text
    std::vector<TopLogprob> top;  // most likely first (Request::top_logprobs)
};

struct ChoiceUpdate {
    std::string text;
    std::vector<TokenLogprob> logprobs;
};

class ChoiceText {
public:
    // `tokenizer` spells the top_logprobs alternatives (null: none are asked for).
    ChoiceText(std::vector<std::string> stops, bool logprobs, const tokenizer::Tokenizer* tokenizer = nullptr)
        : filter_(std::move(stops)), logprobs_(logprobs), tokenizer_(tokenizer) {}

    ChoiceUpdate apply(const ChoiceEvent& event);
    bool finished() const { return finish_reason_.has_value() || !error_.empty(); }
    // "stop" (EOS, end of turn, a stop string), "length" (max_tokens or the context), "cancelled".
    const std::optional<std::string>& finish_reason() const { return finish_reason_; }
    const std::string& error() const { return error_; }
    uint32_t completion_tokens() const { return tokens_; }

private:
    struct Pending {
        TokenLogprob entry;
        size_t end = 0;
    };
    StopFilter filter_;
    bool logprobs_;
    const tokenizer::Tokenizer* tokenizer_;
    std::vector<Pending> pending_;
    size_t pushed_ = 0;
    uint32_t tokens_ = 0;
    std::optional<std::string> finish_reason_;
    std::string error_;
};

}  // namespace vkllm::serve
