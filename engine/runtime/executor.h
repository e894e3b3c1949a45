#pragma once
// What the engine's generation loop runs a step on: a model behind a fixed
// number of sequence slots with a paged KV cache. The GPU forward pass is the
// one the engine builds (gpu_executor.h); the CLI adds the CPU reference as
// another, so the same loop serves both.
// KV cache: an executor with a paged KV cache plans it (it knows the memory
// its weights leave) and hands it over (take_kv_cache); the scheduler then
// owns it and gives every step its KV inputs (StepKv). An executor without
// one (the CPU reference recomputes everything) takes none.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <memory>

#include "kv/kv_cache.h"
#include "kv/step_inputs.h"
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

// A step's KV inputs from the cache's owner: slots, positions, block tables
// (kv::append_step), and the copy-on-write block copies to run before it.
struct StepKv {
    const kv::StepInputs* inputs = nullptr;
    std::span<const kv::BlockCopy> copies;
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
    // The paged KV cache, handed to its new owner (once); no cache: the executor has none.
    virtual kv::OwnedCache take_kv_cache() { return {}; }
    // Runs each item's tokens on its slot and returns each item's last-row
    // logits, [items, vocab]. `kv`: the step's KV inputs where the cache was
    // taken (required then); null: the executor appends to its own.
    virtual std::vector<float> step(std::span<const ExecutorItem> items, const StepKv* kv) = 0;
    // Like step(), but only the top limits().shortlist candidates of each item's last row come back.
    virtual std::vector<Shortlist> step_shortlists(std::span<const ExecutorItem> items, const StepKv* kv) = 0;
    // The whole last-row logits of item `item` of the latest step_shortlists()
    // (for a sampler its shortlist cannot decide); InputError by default.
    virtual std::vector<float> shortlist_row(size_t item) const {
        throw InputError(name() + " keeps no rows of a shortlist step (item " + std::to_string(item) + ")");
    }
    // Runs tokens on a slot and returns every row's logits, [tokens, vocab]:
    // the whole input on an empty slot (kv null), or one step's chunk with its KV inputs.
    virtual std::vector<float> all_rows(uint32_t slot, std::span<const int32_t> tokens, const StepKv* kv) = 0;
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
