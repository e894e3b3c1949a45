// Shared KV blocks (kv/kv_cache.h): the prefix cache (full blocks published by
// content, reused by later sequences, kept after release and evicted least
// recently used, hash collisions caught by comparing tokens and parents) and
// the copy-on-write fork (shared blocks, one copy of a shared partly filled
// block on its first write, shares dropped on free and window release).
#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "kv/kv_cache.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::kv;

namespace {

KvGeometry geometry() {
    KvGeometry g;
    g.layers = 2;
    g.kv_heads = 1;
    g.head_dim = 8;
    g.block_size = 4;
    g.type = DType::F32;
    return g;
}

std::vector<int32_t> tokens(int32_t first, size_t count) {
    std::vector<int32_t> t(count);
    std::iota(t.begin(), t.end(), first);
    return t;
}

// Appends and publishes, as a forward step does once it ran.
void run(KvCache& cache, int32_t id, const std::vector<int32_t>& t) {
    cache.append(id, t);
    cache.publish(id);
}

}  // namespace

TEST_CASE("block pool: holders, cached free blocks wait in LRU order and go after plain ones") {
    BlockPool pool(4);
    std::vector<int32_t> got, evicted;
    REQUIRE(pool.allocate(3, got));  // 0, 1, 2
    pool.retain(got[0]);
    CHECK(pool.holders(got[0]) == 2);
    pool.release(got[0]);
    CHECK(pool.in_use(got[0]));
    pool.set_cached(got[1], true);
    pool.set_cached(got[0], true);
    pool.release(got[1]);  // cached, released first: evicted first
    pool.release(got[0]);
    pool.release(got[2]);  // plain
    CHECK(pool.free_count() == 4);
    CHECK(pool.cached_free_count() == 2);
    CHECK(pool.used_count() == 0);
    std::vector<int32_t> again;
    REQUIRE(pool.allocate(3, again, &evicted));
    CHECK(again == std::vector<int32_t>{2, 3, 1});  // plain blocks (the last released first), then the LRU one
    CHECK(evicted == std::vector<int32_t>{1});
    CHECK_FALSE(pool.cached(1));
    pool.retain(0);  // a cached free block taken back by a holder leaves the queue
    CHECK(pool.free_count() == 0);
    CHECK_THROWS_AS(pool.retain(-1), Error);
    pool.release(0);
    pool.set_cached(0, false);
    CHECK(pool.cached_free_count() == 0);
    CHECK(pool.free_count() == 1);
}

TEST_CASE("prefix cache: a later sequence reuses the whole cached blocks of its prompt") {
    KvCache cache(geometry(), 16);
    const auto prompt = tokens(100, 10);  // two full blocks and two tokens
    run(cache, 0, prompt);
    CHECK(cache.usage().blocks_used == 3);
    // The same first 9 tokens and then others: both full blocks are shared.
    auto other = tokens(100, 9);
    other.push_back(7);
    CHECK(cache.attach_prefix(1, other) == 8);
    CHECK(cache.length(1) == 8);
    CHECK(cache.blocks(1) == std::vector<int32_t>{cache.blocks(0)[0], cache.blocks(0)[1]});
    CHECK(cache.holders(cache.blocks(0)[0]) == 2);
    CHECK(cache.usage().blocks_used == 3);
    CHECK(cache.slot(1, 8 - 1) == cache.slot(0, 7));
    // A prompt of exactly two blocks keeps its last block to compute (its logits are needed).
    CHECK(cache.attach_prefix(2, tokens(100, 8)) == 4);
    // A different first block shares nothing; the chain is by prefix, not by block.
    auto shifted = tokens(100, 12);
    shifted[0] = 5;
    CHECK(cache.attach_prefix(3, shifted) == 0);
    CHECK_FALSE(cache.contains(3));
    // Attaching to a sequence that holds tokens is an error.
    CHECK_THROWS_AS(cache.attach_prefix(0, prompt), Error);
    // With the prefix cache off nothing is published or found.
    KvCache off(geometry(), 16, false);
    run(off, 0, prompt);
    CHECK(off.attach_prefix(1, prompt) == 0);
    // Tokens appended by count are unknown: nothing of that sequence is published.
    KvCache blind(geometry(), 16);
    blind.append(0, 10);
    blind.publish(0);
    CHECK(blind.attach_prefix(1, prompt) == 0);
}

TEST_CASE("prefix cache: freed blocks stay cached, are evicted least recently used, and never lie") {
    KvCache cache(geometry(), 4);
    run(cache, 0, tokens(0, 8));  // blocks A0 A1
    run(cache, 1, tokens(50, 8));  // blocks B0 B1
    cache.free_sequence(0);
    cache.free_sequence(1);
    CHECK(cache.usage().blocks_used == 0);
    CHECK(cache.usage().blocks_cached == 4);
    CHECK(cache.free_blocks() == 4);  // cached blocks count as free
    // Both prefixes are still there.
    CHECK(cache.attach_prefix(2, tokens(0, 9)) == 8);
    cache.free_sequence(2);  // A0 A1 released again: now more recent than B0 B1
    // A new sequence needs two blocks: the least recently released (B0, B1) go.
    run(cache, 3, tokens(200, 6));
    CHECK(cache.usage().blocks_cached == 2);
    CHECK(cache.attach_prefix(4, tokens(50, 9)) == 0);
    CHECK(cache.attach_prefix(5, tokens(0, 9)) == 8);
    // The evicted blocks were refilled with other tokens: the attached ones hold what they claim.
    for (uint32_t p = 0; p < 8; ++p) CHECK(cache.slot(5, p) / 4 != cache.slot(3, 0) / 4);
}

TEST_CASE("prefix cache: colliding hashes are not trusted, tokens and parents are compared") {
    // Every block hashes alike: one bucket holds every entry.
    KvCache cache(geometry(), 16, true, [](uint64_t, std::span<const int32_t>) { return uint64_t(42); });
    run(cache, 0, tokens(0, 9));   // [0..3] [4..7]
    run(cache, 1, tokens(10, 9));  // [10..13] [14..17]
    CHECK(cache.attach_prefix(2, tokens(0, 9)) == 8);
    CHECK(cache.blocks(2)[1] == cache.blocks(0)[1]);
    CHECK(cache.attach_prefix(3, tokens(10, 9)) == 8);
    CHECK(cache.blocks(3)[1] == cache.blocks(1)[1]);
    // Same second block's tokens after another first block: the parent differs, no hit past the first.
    auto mixed = tokens(0, 9);
    std::copy_n(tokens(10, 4).begin(), 4, mixed.begin());
    CHECK(cache.attach_prefix(4, mixed) == 4);  // [10..13] is cached; [4..7] only after [0..3]
    CHECK(cache.blocks(4)[0] == cache.blocks(1)[0]);
    CHECK(cache.attach_prefix(5, std::vector<int32_t>{9, 9, 9, 9, 9}) == 0);
}

TEST_CASE("fork: children share every block; a shared partly filled block is copied on first write") {
    KvCache cache(geometry(), 16);
    run(cache, 0, tokens(0, 6));  // one full block, one with 2 of 4 tokens
    cache.fork(0, 1);
    cache.fork(0, 2);
    CHECK(cache.blocks(1) == cache.blocks(0));
    CHECK(cache.length(2) == 6);
    CHECK(cache.usage().blocks_used == 2);
    CHECK_THROWS_AS(cache.fork(0, 1), Error);
    const int32_t shared = cache.blocks(0)[1];
    CHECK(cache.holders(shared) == 3);
    // The first writer moves to a copy of the shared block.
    CHECK(cache.blocks_needed(1, 1) == 1);
    const auto slots = cache.append(1, std::vector<int32_t>{6});
    const auto copies = cache.take_copies();
    REQUIRE(copies.size() == 1);
    CHECK(copies[0].from == shared);
    CHECK(copies[0].to == cache.blocks(1)[1]);
    CHECK(slots[0] == cache.blocks(1)[1] * 4 + 2);
    CHECK(cache.blocks(1)[0] == cache.blocks(0)[0]);  // the full block stays shared
    CHECK(cache.take_copies().empty());
    cache.append(2, std::vector<int32_t>{6});
    CHECK(cache.take_copies().size() == 1);
    // The last holder writes in place.
    CHECK(cache.holders(shared) == 1);
    CHECK(cache.blocks_needed(0, 1) == 0);
    cache.append(0, std::vector<int32_t>{6});
    CHECK(cache.take_copies().empty());
    CHECK(cache.blocks(0)[1] == shared);
    CHECK(cache.usage().blocks_used == 4);
    // Freeing one only drops its holds.
    cache.free_sequence(1);
    CHECK(cache.holders(cache.blocks(0)[0]) == 2);
    CHECK(cache.usage().blocks_used == 3);
    // A fork across a full last block needs no copy.
    run(cache, 3, tokens(0, 8));
    cache.fork(3, 4);
    CHECK(cache.blocks_needed(4, 1) == 1);
    cache.append(4, std::vector<int32_t>{1});
    CHECK(cache.take_copies().empty());
}

TEST_CASE("sliding-window release of a forked sequence keeps the blocks its sibling still holds") {
    KvCache cache(geometry(), 16, false);
    cache.append(0, 12);
    cache.fork(0, 1);
    const int32_t first = cache.blocks(0)[0];
    cache.append(1, 4);
    CHECK(cache.release_outside_window(1, 4) == 3);  // the child lets go of its first three blocks
    CHECK(cache.holders(first) == 1);
    CHECK(cache.slot(0, 0) == first * 4);  // the parent still reads them
    CHECK_THROWS_AS(cache.slot(1, 0), Error);
    cache.free_sequence(0);
    CHECK(cache.usage().blocks_used == 1);
    cache.free_sequence(1);
    CHECK(cache.usage().blocks_used == 0);
}
