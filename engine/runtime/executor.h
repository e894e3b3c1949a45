#pragma once
// What the engine's generation loop runs a step on: a model behind a fixed
// number of sequence slots with a paged KV cache. The GPU forward pass is the
// one the engine builds (gpu_executor.h); the CLI adds the CPU reference as
// another, so the same loop serves both.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vkllm/error.h"

namespace vkllm::runtime {

// One slot's new tokens in a step.
struct ExecutorItem {
    uint32_t slot = 0;
    std::span<const int32_t> tokens;
};

// The best next tokens of one row: ids and logits, best first.
struct Shortlist {
    std::vector<int32_t> ids;
    std::vector<float> logits;
};

struct ExecutorLimits {
    uint32_t slots = 1;          // sequences held at once
    uint32_t step_tokens = 64;   // tokens of one step, all slots together
    uint32_t max_context = 0;    // most tokens one slot can hold (model context and KV pool)
    uint32_t block_size = 16;    // KV block size
    uint32_t shortlist = 0;      // > 0: step_shortlists() hands back this many candidates
    bool one_sequence_per_step = false;
};

class Executor {
public:
    virtual ~Executor() = default;
    virtual ExecutorLimits limits() const = 0;
    virtual uint32_t free_blocks() const = 0;
    // Appends each item's tokens to its slot and returns each item's last-row logits, [items, vocab].
    virtual std::vector<float> step(std::span<const ExecutorItem> items) = 0;
    // Like step(), but only the top limits().shortlist candidates of each item's last row come back.
    virtual std::vector<Shortlist> step_shortlists(std::span<const ExecutorItem> items) = 0;
    // The whole last-row logits of item `item` of the latest step_shortlists()
    // (for a sampler its shortlist cannot decide); InputError by default.
    virtual std::vector<float> shortlist_row(size_t item) const {
        throw InputError(name() + " keeps no rows of a shortlist step (item " + std::to_string(item) + ")");
    }
    // Appends the tokens to an empty slot and returns every row's logits, [tokens, vocab].
    virtual std::vector<float> all_rows(uint32_t slot, std::span<const int32_t> tokens) = 0;
    // KV-cache bytes the slot's blocks hold now.
    virtual uint64_t held_bytes(uint32_t slot) const { return 0; }
    // Forgets the slot's tokens; its blocks go back to the pool (shared ones stay with their other holders).
    virtual void release(uint32_t slot) = 0;
    // Prefix cache: starts the empty slot on cached KV of the longest cached
    // prefix of `tokens` and returns how many tokens that is (to skip). 0: none
    // (an executor without a prefix cache).
    virtual uint32_t attach_prefix(uint32_t slot, std::span<const int32_t> tokens) { return 0; }
    // Copy-on-write fork: the empty slot `child` shares the KV of `parent`.
    // false: not supported (the caller computes the child's tokens itself).
    virtual bool fork(uint32_t parent, uint32_t child) { return false; }
    virtual std::string name() const = 0;
};

}  // namespace vkllm::runtime
