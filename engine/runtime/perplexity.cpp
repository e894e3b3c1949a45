#include "runtime/perplexity.h"

#include <algorithm>
#include <cmath>

#include "vkllm/error.h"

namespace vkllm::runtime {

namespace {
// -log softmax(row)[target], in double with the max subtracted.
double token_nll(const float* row, uint32_t vocab, int32_t target) {
    double m = *std::max_element(row, row + vocab);
    double sum = 0;
    for (uint32_t v = 0; v < vocab; ++v) sum += std::exp(double(row[v]) - m);
    return std::log(sum) + m - double(row[target]);
}
}  // namespace

PerplexityResult perplexity(const ForwardFn& forward, const std::vector<int32_t>& text_tokens,
                            std::optional<int32_t> start_token, uint32_t window, uint32_t vocab) {
    if (window < 2) throw InputError("perplexity needs a context window of at least 2 tokens");
    const size_t offset = start_token ? 1 : 0;
    if (text_tokens.size() < 1 + (start_token ? 0 : 1))
        throw InputError("perplexity needs at least one token to predict");
    for (int32_t id : text_tokens)
        if (id < 0 || uint32_t(id) >= vocab)
            throw InputError("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(vocab));
    PerplexityResult result;
    for (size_t first = 0; first < text_tokens.size(); first += window) {
        size_t last = std::min(text_tokens.size(), first + window);
        // With a start token the model sees it plus the chunk minus its last
        // token and predicts every chunk token; without one, the chunk's first
        // token is context only.
        std::vector<int32_t> input;
        if (start_token) input.push_back(*start_token);
        input.insert(input.end(), text_tokens.begin() + long(first), text_tokens.begin() + long(last) - (start_token ? 1 : 0));
        std::vector<float> logits = forward(input);
        for (size_t i = 0; i + 1 < input.size() + offset; ++i) {
            result.nll_sum += token_nll(&logits[i * vocab], vocab, text_tokens[first + i + 1 - offset]);
            ++result.predicted;
        }
    }
    result.perplexity = std::exp(result.nll_sum / double(result.predicted));
    return result;
}

}  // namespace vkllm::runtime
