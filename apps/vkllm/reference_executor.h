#pragma once
// The CPU reference (engine/reference) as an executor of the engine's one
// generation loop, for `--backend reference`: one slot, a whole forward pass
// over the sequence per step (slow, for checking the GPU path).
#include <vector>

#include "model/load.h"
#include "runtime/executor.h"

namespace vkllm::cli {

class ReferenceExecutor : public runtime::Executor {
public:
    explicit ReferenceExecutor(const LoadedModel& model) : model_(model) {}

    runtime::ExecutorLimits limits() const override;
    uint32_t free_blocks() const override { return 1u << 30; }  // no KV pool: it recomputes everything
    // No KV cache of its own to hand over: `kv` is always null here.
    std::vector<float> step(std::span<const runtime::ExecutorItem> items, const runtime::StepKv* kv) override;
    std::vector<runtime::Shortlist> step_shortlists(std::span<const runtime::ExecutorItem>, const runtime::StepKv*) override {
        return {};
    }
    std::vector<float> all_rows(uint32_t slot, std::span<const int32_t> tokens, const runtime::StepKv* kv) override;
    void release(uint32_t slot) override { tokens_.clear(); }
    std::string name() const override { return "CPU reference"; }

private:
    const LoadedModel& model_;
    std::vector<int32_t> tokens_;  // the one slot's sequence
};

}  // namespace vkllm::cli
