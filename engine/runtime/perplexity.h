#pragma once
// Perplexity of a token stream under a model, computed the way the default
// model's training script reports it: the text is cut into consecutive
// non-overlapping chunks of `window` tokens (the last one shorter); each chunk
// is predicted from the start token followed by the chunk minus its last token,
// so every token is predicted once with at most window - 1 tokens of context.
// perplexity = exp(sum of negative log-likelihoods / tokens predicted).
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace vkllm::runtime {

struct PerplexityResult {
    double perplexity = 0;
    double nll_sum = 0;
    uint64_t predicted = 0;
};

// `forward(tokens)` returns row-major [tokens, vocab] logits.
using ForwardFn = std::function<std::vector<float>(const std::vector<int32_t>&)>;

PerplexityResult perplexity(const ForwardFn& forward, const std::vector<int32_t>& text_tokens,
                            std::optional<int32_t> start_token, uint32_t window, uint32_t vocab);

}  // namespace vkllm::runtime
