#pragma once
// The int32 arrays one forward step hands to kv_write and paged attention,
// built from the KV cache for a batch of sequences that each add some tokens
// (a prompt chunk in prefill, one token in decode). Every new token is a query.
#include <cstdint>
#include <span>
#include <vector>

#include "kv/kv_cache.h"

namespace vkllm::kv {

struct StepRequest {
    int32_t sequence = 0;
    uint32_t new_tokens = 0;  // when `tokens` is empty: this many tokens, unnamed
    // The new tokens' ids: the cache indexes full blocks by their content for
    // later prompts to share (KvCache::append with tokens). Empty: by count.
    std::span<const int32_t> tokens = {};
};

struct StepInputs {
    std::vector<int32_t> slots;         // [tokens]: cache slot of each new token (kv_write)
    std::vector<int32_t> seq_index;     // [tokens]: block-table row of each query
    std::vector<int32_t> positions;     // [tokens]: position of each query in its sequence
    std::vector<int32_t> context_lens;  // [sequences]: keys held after this step
    std::vector<int32_t> block_table;   // [sequences, max_blocks]
    uint32_t tokens = 0;
    uint32_t sequences = 0;
    uint32_t max_blocks = 0;
    uint32_t max_context = 0;
};

// Appends the requests' tokens to `cache` (tokens in request order) and
// returns the step's arrays. `max_blocks` 0: the longest table of the batch;
// otherwise a fixed row length (for programs recorded once), too short a one
// is an error. All or nothing: when the pool cannot hold every request, or a
// sequence appears twice, throws vkllm::Error and the cache is unchanged.
StepInputs append_step(KvCache& cache, std::span<const StepRequest> requests, uint32_t max_blocks = 0);

}  // namespace vkllm::kv
