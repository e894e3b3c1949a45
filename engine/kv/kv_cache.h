#pragma once
// Paged KV cache bookkeeping (CPU side): sequences grow token by token into
// fixed-size blocks from one BlockPool; each sequence keeps a block table
// (logical block -> pool block) that the attention shader reads. A token at
// position p of a sequence lives in slot table[p / block_size] * block_size +
// p % block_size of every layer's K and V pools.
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/weight_types.h"
#include "kv/block_pool.h"

namespace vkllm::kv {

// Shape of what one block holds across the whole model.
struct KvGeometry {
    uint32_t layers = 1;
    uint32_t kv_heads = 1;
    uint32_t head_dim = 1;
    uint32_t block_size = 16;  // tokens per block
    DType type = DType::F16;   // element type of the pools (kv/kv_type.h)

    // K and V of every layer for one token, in `type`.
    uint64_t bytes_per_token() const;
    // K and V of every layer for block_size tokens.
    uint64_t bytes_per_block() const { return bytes_per_token() * block_size; }
};

// Blocks that fit in `budget_bytes`; throws InputError when not even one fits.
uint32_t blocks_for_budget(const KvGeometry& geometry, uint64_t budget_bytes);

struct KvUsage {
    uint32_t blocks_used = 0, blocks_total = 0;
    uint64_t bytes_used = 0, bytes_total = 0;
    uint64_t tokens_live = 0;  // tokens whose blocks are still held (window-released ones excluded)
};

class KvCache {
public:
    static constexpr int32_t kReleased = -1;  // block-table entry of a released or absent block

    KvCache(const KvGeometry& geometry, uint32_t num_blocks);

    // Grows sequence `id` (created on first use) by `count` tokens and returns
    // the slot of each new token, in order. When the pool cannot hold them,
    // throws vkllm::Error and changes nothing.
    std::vector<int32_t> append(int32_t id, uint32_t count);
    // Returns every block of the sequence to the pool and forgets it.
    void free_sequence(int32_t id);
    // Returns the blocks holding only positions < first_needed; their table
    // entries become kReleased. Returns how many blocks went back.
    uint32_t release_before(int32_t id, uint32_t first_needed);
    // For sliding-window attention (query i sees keys j with i - window < j):
    // releases what no later query of the sequence can see. Call once the
    // step that attended over the current tokens has been recorded and run.
    // Only valid when every layer sharing this cache uses the window.
    uint32_t release_outside_window(int32_t id, uint32_t window);

    // Pool blocks that append(id, count) would take (0 for an unknown id and count 0).
    uint32_t blocks_needed(int32_t id, uint32_t count) const;
    uint32_t free_blocks() const { return pool_.free_count(); }

    bool contains(int32_t id) const;
    uint32_t length(int32_t id) const;            // tokens appended so far
    uint32_t first_live_block(int32_t id) const;  // logical index of the first block still held
    const std::vector<int32_t>& blocks(int32_t id) const;
    // Slot of the token at `position`; throws vkllm::Error if it was never appended or was released.
    int32_t slot(int32_t id, uint32_t position) const;

    // Row-major int32 [ids.size(), max_blocks] block table for the GPU, each
    // row padded with kReleased. max_blocks 0: the longest table among `ids`.
    std::vector<int32_t> block_table(std::span<const int32_t> ids, uint32_t max_blocks = 0) const;
    uint32_t max_table_length(std::span<const int32_t> ids) const;

    const KvGeometry& geometry() const { return geometry_; }
    uint32_t block_size() const { return geometry_.block_size; }
    KvUsage usage() const;

private:
    struct Sequence {
        uint32_t length = 0;
        uint32_t first_live = 0;
        std::vector<int32_t> table;
    };
    const Sequence& find(int32_t id) const;

    KvGeometry geometry_;
    BlockPool pool_;
    std::map<int32_t, Sequence> sequences_;
};

}  // namespace vkllm::kv
