// Paged KV cache bookkeeping: block allocation, slots, freeing, sliding-window
// release, the out-of-blocks error and usage accounting; the KV element types
// and their bytes per token.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "kv/kv_cache.h"
#include "kv/kv_type.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::kv;

namespace {
KvGeometry small_geometry(uint32_t block_size = 4) {
    KvGeometry g;
    g.layers = 2;
    g.kv_heads = 2;
    g.head_dim = 8;
    g.block_size = block_size;
    g.type = DType::F16;
    return g;
}
}  // namespace

TEST_CASE("block pool hands out distinct blocks and takes them back") {
    BlockPool pool(5);
    std::vector<int32_t> got;
    REQUIRE(pool.allocate(3, got));
    CHECK(std::set<int32_t>(got.begin(), got.end()).size() == 3);
    CHECK(pool.used_count() == 3);
    CHECK_FALSE(pool.allocate(3, got));  // only 2 left: nothing taken
    CHECK(got.size() == 3);
    CHECK(pool.free_count() == 2);
    pool.release(got[1]);
    CHECK(pool.free_count() == 3);
    CHECK_THROWS_AS(pool.release(got[1]), Error);  // twice
    CHECK_THROWS_AS(pool.release(99), Error);
}

TEST_CASE("bytes per block and blocks for a budget") {
    KvGeometry g = small_geometry(16);
    // K and V, 2 layers, 2 kv heads, 16 tokens, 8 dims, 2 bytes.
    CHECK(g.bytes_per_block() == 2ull * 2 * 2 * 16 * 8 * 2);
    CHECK(blocks_for_budget(g, g.bytes_per_block() * 10 + 5) == 10);
    CHECK_THROWS_AS(blocks_for_budget(g, g.bytes_per_block() - 1), InputError);
}

TEST_CASE("KV element types: bytes per token from the weight-type table, the choices, bad input") {
    KvGeometry g = small_geometry(16);
    g.head_dim = 64;
    // K and V of 2 layers and 2 kv heads: 2 * 2 * 2 = 8 rows of 64 values a token.
    g.type = DType::F32;
    CHECK(g.bytes_per_token() == 8 * 64 * 4);
    g.type = DType::F16;
    CHECK(g.bytes_per_token() == 8 * 64 * 2);
    g.type = DType::Q8_0;  // two blocks of 34 bytes per row
    CHECK(g.bytes_per_token() == 8 * 2 * 34);
    CHECK(g.bytes_per_block() == 16 * 8 * 2 * 34);
    g.type = DType::Q4_0;  // two blocks of 18 bytes per row
    CHECK(g.bytes_per_token() == 8 * 2 * 18);
    // Block formats keep both rows of a slot in one buffer; the floats do not.
    CHECK(slot_bytes(DType::Q8_0, 64) == 2 * 2 * 34);
    CHECK(slot_bytes(DType::F16, 64) == 64 * 2);

    CHECK(cache_type_choices() == std::vector<std::string>{"auto", "f32", "f16", "q8_0", "q4_0"});
    CHECK(parse_cache_type("q8_0") == DType::Q8_0);
    CHECK_FALSE(parse_cache_type("auto").has_value());
    CHECK(resolve_cache_type(std::nullopt, true) == DType::F16);
    CHECK(resolve_cache_type(std::nullopt, false) == DType::F32);
    try {
        parse_cache_type("q5_k");
        FAIL("q5_k accepted");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("'q5_k' is not one of auto, f32, f16, q8_0, q4_0") != std::string::npos);
    }
    // Heads that do not fill 32-value blocks are refused, naming the head size.
    g.type = DType::Q8_0;
    g.head_dim = 80;
    try {
        KvCache cache(g, 4);
        FAIL("head_dim 80 accepted for q8_0");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("head_dim 80 is not a multiple of 32") != std::string::npos);
    }
    CHECK_THROWS_AS(check_cache_type(DType::Q4_K, 256), InputError);  // a weight type, not a KV type
}

TEST_CASE("appending allocates blocks as a sequence grows, slots follow the table") {
    KvCache cache(small_geometry(4), 64);
    auto slots = cache.append(7, 3);
    REQUIRE(cache.blocks(7).size() == 1);
    CHECK(cache.usage().blocks_used == 1);
    for (uint32_t p = 0; p < 3; ++p) CHECK(slots[p] == cache.blocks(7)[0] * 4 + int32_t(p));

    // A sequence longer than many blocks, appended in uneven pieces.
    for (uint32_t piece : {1u, 5u, 17u, 2u, 40u}) cache.append(7, piece);
    CHECK(cache.length(7) == 68);
    CHECK(cache.blocks(7).size() == 17);
    CHECK(cache.usage().blocks_used == 17);
    std::set<int32_t> distinct(cache.blocks(7).begin(), cache.blocks(7).end());
    CHECK(distinct.size() == 17);
    for (uint32_t p = 0; p < 68; ++p) CHECK(cache.slot(7, p) == cache.blocks(7)[p / 4] * 4 + int32_t(p % 4));
    CHECK_THROWS_AS(cache.slot(7, 68), Error);
}

TEST_CASE("freeing a sequence returns its blocks; tables of several sequences") {
    KvCache cache(small_geometry(4), 10);
    cache.append(1, 9);  // 3 blocks
    cache.append(2, 4);  // 1 block
    CHECK(cache.usage().blocks_used == 4);
    const int32_t ids[] = {2, 1};
    auto table = cache.block_table(ids);
    REQUIRE(table.size() == 2 * 3);
    CHECK(table[0] == cache.blocks(2)[0]);
    CHECK(table[1] == KvCache::kReleased);
    CHECK(table[2] == KvCache::kReleased);
    for (int b = 0; b < 3; ++b) CHECK(table[3 + b] == cache.blocks(1)[b]);
    CHECK(cache.block_table(ids, 5).size() == 10);
    CHECK_THROWS_AS(cache.block_table(ids, 2), Error);

    cache.free_sequence(1);
    CHECK_FALSE(cache.contains(1));
    CHECK(cache.usage().blocks_used == 1);
    CHECK_THROWS_AS(cache.free_sequence(1), Error);
    // The freed blocks are reusable.
    cache.append(3, 36);
    CHECK(cache.usage().blocks_used == 10);
    CHECK(cache.free_blocks() == 0);
    CHECK(cache.blocks_needed(2, 0) == 0);
    CHECK(cache.blocks_needed(2, 1) == 1);
    CHECK(cache.blocks_needed(3, 5) == 2);
}

TEST_CASE("sliding window releases blocks wholly outside the window") {
    KvCache cache(small_geometry(4), 16);
    cache.append(0, 10);  // positions 0..9, blocks 0..2
    // Next query at position 10 with window 3 sees keys 8..10: blocks 0 and 1 are dead.
    CHECK(cache.release_outside_window(0, 3) == 2);
    CHECK(cache.first_live_block(0) == 2);
    CHECK(cache.blocks(0)[0] == KvCache::kReleased);
    CHECK(cache.blocks(0)[1] == KvCache::kReleased);
    CHECK(cache.blocks(0)[2] != KvCache::kReleased);
    CHECK(cache.usage().blocks_used == 1);
    CHECK(cache.usage().tokens_live == 2);
    CHECK_THROWS_AS(cache.slot(0, 7), Error);
    CHECK_NOTHROW(cache.slot(0, 8));
    CHECK(cache.release_outside_window(0, 3) == 0);  // nothing more to give

    // Growing on: the table keeps its logical indices, released entries stay invalid.
    auto slots = cache.append(0, 6);
    CHECK(cache.blocks(0).size() == 4);
    CHECK(slots.back() == cache.slot(0, 15));
    // A window larger than the sequence releases nothing.
    cache.append(5, 3);
    CHECK(cache.release_outside_window(5, 100) == 0);
    cache.free_sequence(0);
    CHECK(cache.usage().blocks_used == 1);
}

TEST_CASE("running out of blocks is a clear error that changes nothing") {
    KvCache cache(small_geometry(4), 4);
    cache.append(1, 10);  // 3 blocks
    cache.append(3, 2);   // 1 block: the pool is now full
    const auto before_table = cache.blocks(3);
    const auto before = cache.usage();
    try {
        cache.append(3, 7);  // needs 2 more blocks
        FAIL("no error");
    } catch (const Error& e) {
        const std::string message = e.what();
        CHECK(message.find("KV cache full") != std::string::npos);
        CHECK(message.find("sequence 3") != std::string::npos);
        CHECK(message.find("raise the KV budget") != std::string::npos);
    }
    CHECK(cache.length(3) == 2);
    CHECK(cache.blocks(3) == before_table);
    CHECK(cache.usage().blocks_used == before.blocks_used);
    // A new sequence that fails is not created either.
    CHECK_THROWS_AS(cache.append(4, 1), Error);
    CHECK_FALSE(cache.contains(4));
    // Filling the open block still works.
    CHECK_NOTHROW(cache.append(3, 2));
}

TEST_CASE("usage accounting in blocks and bytes") {
    KvGeometry g = small_geometry(4);
    KvCache cache(g, 8);
    cache.append(0, 5);
    KvUsage u = cache.usage();
    CHECK(u.blocks_used == 2);
    CHECK(u.blocks_total == 8);
    CHECK(u.bytes_used == 2 * g.bytes_per_block());
    CHECK(u.bytes_total == 8 * g.bytes_per_block());
    CHECK(u.tokens_live == 5);
}
