#include "kv/step_inputs.h"

#include <algorithm>
#include <set>
#include <string>

#include "vkllm/error.h"

namespace vkllm::kv {

StepInputs append_step(KvCache& cache, std::span<const StepRequest> requests, uint32_t max_blocks) {
    std::set<int32_t> seen;
    uint64_t blocks = 0, tokens = 0;
    std::vector<int32_t> ids;
    auto count = [](const StepRequest& r) { return r.tokens.empty() ? r.new_tokens : uint32_t(r.tokens.size()); };
    for (const auto& r : requests) {
        const uint32_t new_tokens = count(r);
        if (!seen.insert(r.sequence).second)
            throw Error("KV step: sequence " + std::to_string(r.sequence) + " appears twice in one batch");
        blocks += cache.blocks_needed(r.sequence, new_tokens);
        tokens += new_tokens;
        ids.push_back(r.sequence);
        const uint64_t after = uint64_t(cache.contains(r.sequence) ? cache.length(r.sequence) : 0) + new_tokens;
        if (after > INT32_MAX)
            throw Error("KV step: sequence " + std::to_string(r.sequence) + " would exceed 2^31 tokens");
        if (max_blocks != 0 && (after + cache.block_size() - 1) / cache.block_size() > max_blocks)
            throw Error("KV step: sequence " + std::to_string(r.sequence) + " needs more than the " +
                        std::to_string(max_blocks) + " blocks a block-table row holds; raise the context limit");
    }
    if (blocks > cache.free_blocks())
        throw Error("KV cache full: this step needs " + std::to_string(blocks) + " more block(s) but only " +
                    std::to_string(cache.free_blocks()) + " of " + std::to_string(cache.usage().blocks_total) +
                    " are free; raise the KV budget");
    if (tokens > INT32_MAX) throw Error("KV step: too many tokens in one step");

    StepInputs in;
    in.tokens = uint32_t(tokens);
    in.sequences = uint32_t(requests.size());
    for (uint32_t s = 0; s < requests.size(); ++s) {
        const auto& r = requests[s];
        const uint32_t new_tokens = count(r);
        const auto slots = r.tokens.empty() ? cache.append(r.sequence, new_tokens) : cache.append(r.sequence, r.tokens);
        const uint32_t length = cache.length(r.sequence);
        in.slots.insert(in.slots.end(), slots.begin(), slots.end());
        for (uint32_t p = length - new_tokens; p < length; ++p) {
            in.seq_index.push_back(int32_t(s));
            in.positions.push_back(int32_t(p));
        }
        in.context_lens.push_back(int32_t(length));
        in.max_context = std::max(in.max_context, length);
    }
    in.block_table = cache.block_table(ids, max_blocks);
    in.max_blocks = ids.empty() ? 0 : uint32_t(in.block_table.size() / ids.size());
    return in;
}

}  // namespace vkllm::kv
