// The device-only Q8_0X8 layout (common/weight_types.h): regrouping eight
// Q8_0 blocks must keep every value exactly (the same scales and codes, only
// moved), and no file or config may name the layout.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "common/block_decoders.h"
#include "common/block_encoders.h"
#include "common/weight_types.h"

using namespace vkllm;

TEST_CASE("Q8_0X8 regrouping decodes to exactly the values of its eight Q8_0 blocks") {
    const DTypeTraits& q8 = dtype_traits(DType::Q8_0);
    const DTypeTraits& x8 = dtype_traits(DType::Q8_0X8);
    REQUIRE(x8.block_values == 8 * q8.block_values);
    REQUIRE(x8.block_bytes == 8 * q8.block_bytes);  // a regrouped matrix takes the bytes it had
    REQUIRE(x8.block_bytes % 16 == 0);              // every group starts on a 16-byte unit
    const uint64_t groups = 5;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0, 1);
    std::vector<float> x(groups * x8.block_values);
    for (size_t i = 0; i < x.size(); ++i) x[i] = normal(rng) * float(1 + i / 32);  // a scale per block
    std::vector<uint8_t> stored(groups * x8.block_bytes), regrouped(stored.size());
    blocks::encode_q8_0(x.data(), groups * 8, stored.data());
    blocks::regroup_q8_0x8(stored.data(), groups, regrouped.data());
    std::vector<float> a(x.size()), b(x.size());
    blocks::decode_q8_0(stored.data(), groups * 8, a.data());
    x8.decode(regrouped.data(), groups, b.data());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    // The layout itself: scale j at byte 2j, code i at byte 16 + i.
    CHECK(std::memcmp(regrouped.data() + x8.block_bytes + 2 * 3, stored.data() + 11 * q8.block_bytes, 2) == 0);
    CHECK(std::memcmp(regrouped.data() + x8.block_bytes + 16 + 3 * 32, stored.data() + 11 * q8.block_bytes + 2, 32) == 0);
}

TEST_CASE("a device-only layout is no file type and no config name") {
    CHECK(dtype_traits(DType::Q8_0X8).device_only);
    CHECK_FALSE(dtype_from_name("q8_0x8").has_value());
    CHECK_FALSE(dtype_from_name("Q8_0X8").has_value());
    CHECK_FALSE(dtype_from_gguf(dtype_traits(DType::Q8_0X8).gguf_id).has_value());
    for (const DTypeTraits& t : all_dtypes())
        if (!t.device_only) {
            CHECK(dtype_from_name(t.name) == t.type);
            CHECK(dtype_from_gguf(t.gguf_id) == t.type);
        }
}
