#include "reference_executor.h"

#include "reference/reference.h"

namespace vkllm::cli {

runtime::ExecutorLimits ReferenceExecutor::limits() const {
    runtime::ExecutorLimits l;
    l.slots = 1;
    l.step_tokens = model_.config.max_position;
    l.max_context = model_.config.max_position;
    l.one_sequence_per_step = true;
    return l;
}

std::vector<float> ReferenceExecutor::step(std::span<const runtime::ExecutorItem> items, const runtime::StepKv*) {
    std::vector<float> out;
    const size_t vocab = model_.config.vocab_size;
    for (const runtime::ExecutorItem& item : items) {
        tokens_.insert(tokens_.end(), item.tokens.begin(), item.tokens.end());
        std::vector<float> logits = reference_forward(model_.config, model_.weights, tokens_);
        out.insert(out.end(), logits.end() - long(vocab), logits.end());
    }
    return out;
}

std::vector<float> ReferenceExecutor::all_rows(uint32_t slot, std::span<const int32_t> tokens, const runtime::StepKv*) {
    tokens_.assign(tokens.begin(), tokens.end());
    return reference_forward(model_.config, model_.weights, tokens_);
}

}  // namespace vkllm::cli
