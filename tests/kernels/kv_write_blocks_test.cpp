// The KV write into block-format pools (q8_0, q4_0): keys rotated by RoPE and
// values, encoded on the device into one pool whose slots hold the K row's
// blocks then the V row's (kv/kv_type.h). The oracle is the weight-type
// table's CPU encoder applied to the rows the same kernel writes into f32
// pools (keys already rotated: rope_test.cpp checks those against float64),
// so both sides encode the very same floats. Bound: at most one value in a
// thousand may land one code step away (a division or reciprocal on the GPU
// may round differently from the CPU's correctly rounded one when x / d sits
// on a rounding tie), never further; measured on lavapipe: every byte equal.
// Slots not written this step keep their bytes: no word is shared between slots.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "common/half.h"
#include "kernels/gpu_test_context.h"
#include "kv/kv_type.h"
#include "ops/kv_write.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Shape {
    uint32_t tokens, kv_heads, head_dim, rotary_dims;
    ops::RopeStyle style;
};

void check_block_write(DType type, const Shape& k, uint32_t seed) {
    ValidationGuard guard;
    const DTypeTraits& t = dtype_traits(type);
    const uint32_t row = k.kv_heads * k.head_dim, slots = (k.tokens + 5) % 3 != 0 ? k.tokens + 5 : k.tokens + 6;
    std::vector<float> inv_freq(k.rotary_dims / 2);
    for (uint32_t i = 0; i < inv_freq.size(); ++i) inv_freq[i] = float(std::pow(10000.0, -2.0 * i / k.rotary_dims));
    std::vector<int32_t> positions(k.tokens), slot_of(k.tokens);
    for (uint32_t tok = 0; tok < k.tokens; ++tok) {
        positions[tok] = int32_t((tok * 613u + seed) % 3000u);
        slot_of[tok] = int32_t((tok * 3u + 2u) % slots);  // distinct: 3 does not divide `slots`
    }
    REQUIRE(slots % 3 != 0);
    if (k.tokens > 2) slot_of[1] = -1, slot_of[2] = int32_t(slots) + 7;  // skipped: padding, past the pool
    // Values of every magnitude a block may meet: mostly [-1, 1], some rows scaled up and down.
    auto x = random_floats(size_t(k.tokens) * row, seed), v = random_floats(size_t(k.tokens) * row, seed + 1);
    for (size_t i = 0; i < x.size(); ++i) {
        const float scale = (i / 32) % 5 == 1 ? 40.f : (i / 32) % 5 == 3 ? 1e-3f : 1.f;
        x[i] *= scale;
        v[i] *= scale;
    }
    auto kb = make_buffer(x, "k"), vb = make_buffer(v, "v");
    auto sb = make_buffer_bytes(slot_of.data(), slot_of.size() * 4, "slots");
    auto pb = make_buffer_bytes(positions.data(), positions.size() * 4, "positions");
    auto fb = make_buffer(inv_freq, "inv_freq");
    const ops::KvRope rope{{k.head_dim, k.rotary_dims, k.style, 1.0f}, pb.get(), fb.get()};

    const uint64_t f32_bytes = uint64_t(slots) * kv::slot_bytes(DType::F32, row);
    const uint64_t pool_bytes = uint64_t(slots) * kv::slot_bytes(type, row);
    REQUIRE(pool_bytes == uint64_t(slots) * 2 * (row / t.block_values) * t.block_bytes);
    vk::Buffer k32(gpu(), f32_bytes, vk::BufferKind::Device, "k f32"), v32(gpu(), f32_bytes, vk::BufferKind::Device, "v f32");
    vk::Buffer pool(gpu(), pool_bytes, vk::BufferKind::Device, "kv blocks");
    constexpr uint32_t kUntouched = 0xA5C3A5C3u;
    run_once([&](vk::CommandBuffer& c) {
        c.fill(pool, kUntouched);
        c.fill(k32, 0);
        c.fill(v32, 0);
        c.barrier();
        ops::record_kv_write(gpu(), c, *kb, *vb, *sb, k32, v32, k.tokens, row, DType::F32, &rope);
        ops::record_kv_write(gpu(), c, *kb, *vb, *sb, pool, pool, k.tokens, row, type, &rope);
    });
    const std::vector<float> keys = read_buffer(k32, size_t(slots) * row), values = read_buffer(v32, size_t(slots) * row);
    std::vector<uint8_t> got(pool_bytes);
    vk::download(gpu(), pool, got.data(), got.size());

    // Expected bytes: the untouched pattern, and for every written slot its K then V row encoded on the CPU.
    std::vector<uint8_t> want(pool_bytes);
    for (size_t i = 0; i < want.size(); ++i) want[i] = uint8_t(kUntouched >> (8 * (i % 4)));
    const uint64_t row_blocks = row / t.block_values, slot = kv::slot_bytes(type, row);
    std::vector<bool> written(slots, false);
    for (uint32_t tok = 0; tok < k.tokens; ++tok) {
        if (slot_of[tok] < 0 || uint32_t(slot_of[tok]) >= slots) continue;
        const size_t s = size_t(slot_of[tok]);
        written[s] = true;
        t.encode(&keys[s * row], row_blocks, &want[s * slot]);
        t.encode(&values[s * row], row_blocks, &want[s * slot + slot / 2]);
    }
    size_t untouched_changed = 0, codes_off_by_one = 0, worse = 0, values_compared = 0;
    std::vector<float> a(t.block_values), b(t.block_values);
    for (uint32_t s = 0; s < slots; ++s) {
        if (!written[s]) {
            untouched_changed += std::memcmp(&got[s * slot], &want[s * slot], slot) != 0;
            continue;
        }
        for (uint64_t blk = 0; blk < 2 * row_blocks; ++blk) {
            const uint8_t* g = &got[s * slot + blk * t.block_bytes];
            const uint8_t* w = &want[s * slot + blk * t.block_bytes];
            if (std::memcmp(g, w, t.block_bytes) == 0) {
                values_compared += t.block_values;
                continue;
            }
            t.decode(g, 1, a.data());
            t.decode(w, 1, b.data());
            uint16_t scale_bits;
            std::memcpy(&scale_bits, w, 2);
            const float step = std::fabs(half_to_float(scale_bits));
            for (uint32_t j = 0; j < t.block_values; ++j, ++values_compared) {
                const float diff = std::fabs(a[j] - b[j]);
                if (diff == 0) continue;
                if (diff <= step * 1.001f) ++codes_off_by_one;
                else ++worse;
            }
        }
    }
    INFO(std::string(t.name) << ": tokens=" << k.tokens << " kv_heads=" << k.kv_heads << " head_dim=" << k.head_dim
                << " rotary=" << k.rotary_dims << " values=" << values_compared
                << " one step off=" << codes_off_by_one);
    CHECK(untouched_changed == 0);
    CHECK(worse == 0);
    CHECK(codes_off_by_one * 1000 <= values_compared);
    MESSAGE(std::string(t.name) << " kv write, head_dim " << k.head_dim << ": " << codes_off_by_one << " of " << values_compared
                   << " values one code step from the CPU encoding");
}

}  // namespace

TEST_CASE("KV write into q8_0 and q4_0 pools encodes as the CPU encoder does, keys rotated") {
    uint32_t seed = 1700;
    for (DType type : {DType::Q8_0, DType::Q4_0}) {
        check_block_write(type, {9, 2, 64, 64, ops::RopeStyle::NeoX}, seed++);
        check_block_write(type, {7, 1, 96, 96, ops::RopeStyle::GPTJ}, seed++);   // 3 blocks a row: pairs span K and V
        check_block_write(type, {5, 3, 32, 16, ops::RopeStyle::NeoX}, seed++);   // partial rotary, 3 blocks a row
        check_block_write(type, {40, 4, 128, 128, ops::RopeStyle::NeoX}, seed++);
    }
}

TEST_CASE("KV write refuses block pools given as two buffers and rows that are not whole blocks") {
    ValidationGuard guard;
    auto k = make_buffer(random_floats(80, 1), "k"), slots = make_buffer(std::vector<float>(1, 0.f), "slots");
    vk::Buffer a(gpu(), 4096, vk::BufferKind::Device, "a"), b(gpu(), 4096, vk::BufferKind::Device, "b");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_kv_write(gpu(), c, *k, *k, *slots, a, b, 1, 64, DType::Q8_0),
                      doctest::Contains("one pool buffer"));
    CHECK_THROWS_WITH(ops::record_kv_write(gpu(), c, *k, *k, *slots, a, a, 1, 80, DType::Q8_0),
                      doctest::Contains("do not fill q8_0 blocks of 32"));
    c.end();
}
