#include "runtime/gpu_executor.h"

namespace vkllm::runtime {

GpuExecutor::GpuExecutor(vk::Device& device, const ModelConfig& config, const ModelWeights& weights,
                         plan::ForwardOptions options)
    : device_(device), options_(options),
      forward_(std::make_unique<plan::GpuForward>(device, config, weights, options)) {
    options_.max_step_tokens = std::min(options_.max_step_tokens, config.max_position);
}

ExecutorLimits GpuExecutor::limits() const {
    const ModelConfig& c = forward_->config();
    ExecutorLimits l;
    l.slots = options_.max_sequences;
    l.step_tokens = options_.max_step_tokens;
    l.max_context = forward_->max_context();
    l.block_size = forward_->kv_geometry().block_size;
    l.shortlist = forward_->top_k();
    l.one_sequence_per_step = c.position == PositionEncoding::RoPE && c.rope.scaling == RopeScaling::DynamicNTK;
    return l;
}

namespace {
std::vector<plan::SequenceTokens> sequence_tokens(std::span<const ExecutorItem> items) {
    std::vector<plan::SequenceTokens> batch;
    batch.reserve(items.size());
    for (const ExecutorItem& item : items) batch.push_back({item.slot, item.tokens});
    return batch;
}
}  // namespace

std::vector<float> GpuExecutor::step(std::span<const ExecutorItem> items, const StepKv* kv) {
    if (kv) return forward_->step_with_kv(sequence_tokens(items), *kv->inputs, kv->copies);
    return forward_->step_batch(sequence_tokens(items));
}

std::vector<Shortlist> GpuExecutor::step_shortlists(std::span<const ExecutorItem> items, const StepKv* kv) {
    std::vector<Shortlist> out;
    for (plan::Candidates& c : kv ? forward_->step_top_k_with_kv(sequence_tokens(items), *kv->inputs, kv->copies)
                                  : forward_->step_batch_top_k(sequence_tokens(items)))
        out.push_back({std::move(c.ids), std::move(c.logits)});
    return out;
}

std::vector<float> GpuExecutor::shortlist_row(size_t item) const { return forward_->top_k_step_row(item); }

std::vector<float> GpuExecutor::all_rows(uint32_t slot, std::span<const int32_t> tokens, const StepKv* kv) {
    if (!kv) return forward_->step(slot, tokens, false);
    const plan::SequenceTokens only{slot, tokens};
    return forward_->step_with_kv(std::span(&only, 1), *kv->inputs, kv->copies, true);
}

uint64_t GpuExecutor::held_bytes(uint32_t slot) const { return forward_->kv_cache().held_bytes(int32_t(slot)); }

kv::OwnedCache GpuExecutor::take_kv_cache() {
    const ModelConfig& c = forward_->config();
    kv::OwnedCache owned;
    owned.cache = forward_->take_kv_cache();
    owned.table_width = forward_->kv_table_width();
    // One block table serves every layer: blocks leave only when no layer can see them.
    if (c.attention.causal && all_layers_use_window(c)) owned.release_window = c.attention.sliding_window;
    return owned;
}

std::string GpuExecutor::name() const { return device_.caps().name; }

}  // namespace vkllm::runtime
