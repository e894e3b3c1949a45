#pragma once
// The Executor over the GPU forward pass (plan/forward.h): slots are its sequences.
#include <memory>

#include "plan/forward.h"
#include "runtime/executor.h"

namespace vkllm::runtime {

class GpuExecutor : public Executor {
public:
    GpuExecutor(vk::Device& device, const ModelConfig& config, const ModelWeights& weights, plan::ForwardOptions options);

    ExecutorLimits limits() const override;
    uint32_t free_blocks() const override { return forward_->kv_cache().free_blocks(); }
    kv::OwnedCache take_kv_cache() override;
    std::vector<float> step(std::span<const ExecutorItem> items, const StepKv* kv) override;
    std::vector<Shortlist> step_shortlists(std::span<const ExecutorItem> items, const StepKv* kv) override;
    std::vector<float> shortlist_row(size_t item) const override;
    std::vector<float> all_rows(uint32_t slot, std::span<const int32_t> tokens, const StepKv* kv) override;
    void release(uint32_t slot) override { forward_->reset_sequence(slot); }
    uint32_t attach_prefix(uint32_t slot, std::span<const int32_t> tokens) override {
        return forward_->attach_prefix(slot, tokens);
    }
    bool fork(uint32_t parent, uint32_t child) override {
        forward_->fork_sequence(parent, child);
        return true;
    }
    uint64_t held_bytes(uint32_t slot) const override;
    std::string name() const override;

    plan::GpuForward& forward() { return *forward_; }
    const plan::GpuForward& forward() const { return *forward_; }

private:
    vk::Device& device_;
    plan::ForwardOptions options_;
    std::unique_ptr<plan::GpuForward> forward_;
};

}  // namespace vkllm::runtime
