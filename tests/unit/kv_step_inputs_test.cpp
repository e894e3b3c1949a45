// The per-step arrays built from the KV cache for a batch of sequences.
#include <doctest/doctest.h>

#include "kv/step_inputs.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::kv;

namespace {
KvGeometry geometry4() {
    KvGeometry g;
    g.block_size = 4;
    return g;
}
}  // namespace

TEST_CASE("a step of one prefill and one decode sequence") {
    KvCache cache(geometry4(), 16);
    cache.append(9, 6);  // sequence 9 already holds 6 tokens
    const StepRequest batch[] = {{2, 5}, {9, 1}};
    StepInputs in = append_step(cache, batch);
    CHECK(in.tokens == 6);
    CHECK(in.sequences == 2);
    CHECK(in.seq_index == std::vector<int32_t>{0, 0, 0, 0, 0, 1});
    CHECK(in.positions == std::vector<int32_t>{0, 1, 2, 3, 4, 6});
    CHECK(in.context_lens == std::vector<int32_t>{5, 7});
    CHECK(in.max_context == 7);
    CHECK(in.max_blocks == 2);
    REQUIRE(in.block_table.size() == 4);
    CHECK(in.block_table[0] == cache.blocks(2)[0]);
    CHECK(in.block_table[1] == cache.blocks(2)[1]);
    CHECK(in.block_table[2] == cache.blocks(9)[0]);
    CHECK(in.block_table[3] == cache.blocks(9)[1]);
    for (uint32_t p = 0; p < 5; ++p) CHECK(in.slots[p] == cache.slot(2, p));
    CHECK(in.slots[5] == cache.slot(9, 6));
}

TEST_CASE("a fixed block-table row length pads, and refuses sequences longer than it") {
    KvCache cache(geometry4(), 16);
    const StepRequest first[] = {{0, 3}};
    StepInputs in = append_step(cache, first, 5);
    CHECK(in.max_blocks == 5);
    CHECK(in.block_table.size() == 5);
    CHECK(in.block_table[1] == KvCache::kReleased);
    const StepRequest too_long[] = {{0, 18}};  // 21 tokens: 6 blocks
    CHECK_THROWS_AS(append_step(cache, too_long, 5), Error);
    CHECK(cache.length(0) == 3);
}

TEST_CASE("a step the pool cannot hold changes nothing") {
    KvCache cache(geometry4(), 3);
    cache.append(1, 4);
    const StepRequest batch[] = {{1, 1}, {2, 5}};  // 1 + 2 blocks, only 2 free
    CHECK_THROWS_AS(append_step(cache, batch), Error);
    CHECK(cache.length(1) == 4);
    CHECK_FALSE(cache.contains(2));
    CHECK(cache.free_blocks() == 2);
    const StepRequest twice[] = {{1, 1}, {1, 1}};
    CHECK_THROWS_AS(append_step(cache, twice), Error);
    CHECK(cache.length(1) == 4);
}
