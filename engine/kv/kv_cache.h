#pragma once
// Paged KV cache bookkeeping (CPU side): sequences grow token by token into
// fixed-size blocks from one BlockPool; each sequence keeps a block table
// (logical block -> pool block) that the attention shader reads. A token at
// position p of a sequence lives in slot table[p / block_size] * block_size +
// p % block_size of every layer's K and V pools.
//
// Blocks are shared (kv/block_pool.h counts their holders):
// - Prefix cache: once a step has written a block full of a sequence whose
//   tokens are known (append with tokens), publish() records it in the
//   PrefixIndex. attach_prefix() starts a new sequence on the cached blocks of
//   the longest cached run of whole blocks of its tokens, so only the rest is
//   computed. A published block stays cached after its last holder lets go
//   and is evicted, least recently released first, only when no plain free
//   block is left. Cached blocks are always full, so no one writes them again.
// - Copy-on-write fork: fork() gives a new sequence the parent's table, every
//   block held once more. Appending to a sequence whose partly filled last
//   block has other holders first moves it to a fresh block; the copy (every
//   layer's K and V rows of that block) is queued for the GPU (take_copies()),
//   to run before the step that writes the new tokens.
// A sequence's KV depends on its tokens and positions only, so sharing is
// exact for every position encoding whose frequencies do not follow the
// sequence length (the caller disables the prefix cache for dynamic NTK).
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "common/weight_types.h"
#include "kv/block_pool.h"
#include "kv/prefix_index.h"

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
    uint32_t blocks_cached = 0;  // free blocks that still hold a cached prefix (counted as free)
};

// One block's rows to copy on the GPU before the next step (copy-on-write).
struct BlockCopy {
    int32_t from = 0, to = 0;
};

class KvCache {
public:
    static constexpr int32_t kReleased = -1;  // block-table entry of a released or absent block

    // `prefix_cache` false: blocks are shared only by fork(); `hash` replaces
    // the chained content hash (tests inject collisions).
    KvCache(const KvGeometry& geometry, uint32_t num_blocks, bool prefix_cache = true,
            BlockHash hash = chained_block_hash);

    // Grows sequence `id` (created on first use) by `count` tokens and returns
    // the slot of each new token, in order. When the pool cannot hold them,
    // throws vkllm::Error and changes nothing. Tokens appended by count are
    // unknown: the sequence's later blocks are not published.
    std::vector<int32_t> append(int32_t id, uint32_t count);
    // The same, knowing the tokens: the blocks they fill can be published.
    std::vector<int32_t> append(int32_t id, std::span<const int32_t> tokens);
    // Records the sequence's full blocks of known tokens in the prefix cache;
    // call once the step that wrote them has run.
    void publish(int32_t id);
    // Starts sequence `id` (new, or empty) on the cached blocks of the longest
    // cached prefix of `tokens` in whole blocks, leaving at least one token to
    // compute; returns the tokens it now holds (0 with the prefix cache off).
    uint32_t attach_prefix(int32_t id, std::span<const int32_t> tokens);
    // Sequence `child` (new) shares every block of `parent`.
    void fork(int32_t parent, int32_t child);
    // Block copies queued by copy-on-write since the last call.
    std::vector<BlockCopy> take_copies();
    // Returns every block of the sequence to the pool and forgets it.
    void free_sequence(int32_t id);
    // Returns the blocks holding only positions < first_needed; their table
    // entries become kReleased. Returns how many it let go (a block another
    // sequence also holds stays in use until that one lets go too).
    uint32_t release_before(int32_t id, uint32_t first_needed);
    // For sliding-window attention (query i sees keys j with i - window < j):
    // releases what no later query of the sequence can see. Call once the
    // step that attended over the current tokens has been recorded and run.
    // Only valid when every layer sharing this cache uses the window.
    uint32_t release_outside_window(int32_t id, uint32_t window);

    // Pool blocks that append(id, count) would take (0 for an unknown id and
    // count 0), a copy-on-write block included.
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
    bool prefix_cache() const { return prefix_cache_; }
    uint32_t holders(int32_t block) const { return pool_.holders(block); }
    // Bytes of the blocks sequence `id` holds now (released ones not counted); 0 for an unknown id.
    uint64_t held_bytes(int32_t id) const;

private:
    struct Sequence {
        uint32_t length = 0;
        uint32_t first_live = 0;
        std::vector<int32_t> table;
        // Prefix cache: the tokens (while all are known), the blocks published and where their chain stands.
        bool tokens_known = true;
        std::vector<int32_t> tokens;
        uint32_t published = 0;
        PrefixIndex::Link link;
    };
    const Sequence& find(int32_t id) const;
    bool copy_on_write(const Sequence& seq, uint32_t count) const;
    std::vector<int32_t> grow(int32_t id, uint32_t count, const std::span<const int32_t>* tokens);
    void forget_evicted(const std::vector<int32_t>& evicted);

    KvGeometry geometry_;
    BlockPool pool_;
    bool prefix_cache_;
    PrefixIndex index_;
    std::map<int32_t, Sequence> sequences_;
    std::vector<BlockCopy> copies_;
};

// A KV cache handed by the executor that planned it to the scheduler that
// owns it from then on, with what the owner must know to build steps.
struct OwnedCache {
    std::unique_ptr<KvCache> cache;
    uint32_t table_width = 0;     // entries of a block-table row in a step's inputs (append_step's max_blocks)
    uint32_t release_window = 0;  // > 0: after each step, release what no later query sees (sliding window)
};

}  // namespace vkllm::kv
