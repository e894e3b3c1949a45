// Embedding lookup vs the CPU for f32, f16 and Q8_0 tables (every block
// format: block_formats_test.cpp). Tolerance:
// relative error <= 1e-7: each output is scale * (a table value exactly
// representable in float32) with one float32 rounding (2^-24 ~ 6e-8).
#include <doctest/doctest.h>

#include <random>

#include "kernels/gpu_test_context.h"
#include "kernels/weight_blocks.h"
#include "ops/embedding.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Table {
    std::unique_ptr<vk::Buffer> buffer;
    std::vector<float> values;  // what the GPU decodes, as float
};

Table make_table(DType type, uint32_t vocab, uint32_t hidden, uint32_t seed) {
    const WeightData w = random_weights(type, vocab, hidden, seed);
    return {make_buffer_bytes(w.bytes.data(), w.bytes.size(), std::string("table ") + dtype_traits(type).name),
            w.values};
}

// `ids` may hold ids outside [0, vocab): their rows must come out as zeros.
void check_embedding(DType type, uint32_t vocab, uint32_t hidden, const std::vector<int32_t>& ids,
                     float scale, uint32_t seed) {
    ValidationGuard guard;
    Table table = make_table(type, vocab, hidden, seed);
    const auto n = uint32_t(ids.size());
    auto id_buffer = make_buffer_bytes(ids.data(), ids.size() * 4, "ids");
    auto out = make_output(size_t(n) * hidden, "embeddings");
    ops::WeightMatrix matrix{table.buffer.get(), 0, type, vocab, hidden};
    run_once([&](vk::CommandBuffer& c) { ops::record_embedding(gpu(), c, *id_buffer, matrix, *out, n, scale); });
    std::vector<double> ref(size_t(n) * hidden, 0.0);
    for (uint32_t t = 0; t < n; ++t)
        if (ids[t] >= 0 && uint32_t(ids[t]) < vocab)
            for (uint32_t c = 0; c < hidden; ++c)
                ref[size_t(t) * hidden + c] = double(scale) * table.values[size_t(ids[t]) * hidden + c];
    INFO("type=" << dtype_traits(type).name << " vocab=" << vocab << " hidden=" << hidden << " tokens=" << n << " scale=" << scale);
    CHECK(relative_error(read_buffer(*out, size_t(n) * hidden), ref) <= 1e-7);
}

std::vector<int32_t> random_ids(uint32_t n, uint32_t vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> dist(0, int32_t(vocab) - 1);
    std::vector<int32_t> ids(n);
    for (auto& id : ids) id = dist(rng);
    ids.back() = int32_t(vocab) - 1;  // the last row is always looked up
    return ids;
}

const DType kTypes[] = {DType::F32, DType::F16, DType::Q8_0};

}  // namespace

TEST_CASE("embedding lookup matches the CPU for f32, f16 and Q8_0 tables") {
    uint32_t seed = 900;
    for (auto type : kTypes) {
        // Hidden sizes below, at and above the workgroup size; f16 also with an odd width.
        for (uint32_t hidden : {32u, 128u, 160u}) {
            check_embedding(type, 50, hidden, random_ids(1, 50, seed), 1.0f, seed + 1);
            check_embedding(type, 1000, hidden, random_ids(37, 1000, seed + 2), 1.0f, seed + 3);
            check_embedding(type, 300, hidden, random_ids(9, 300, seed + 4), 39.1918f, seed + 5);  // sqrt(1536), Gemma-style
            seed += 10;
        }
    }
    check_embedding(DType::F16, 77, 33, random_ids(12, 77, 990), 0.5f, 991);
    check_embedding(DType::F32, 77, 1, random_ids(5, 77, 992), 2.0f, 993);
}

TEST_CASE("ids outside the vocabulary give zero rows and read nothing") {
    for (auto type : kTypes)
        check_embedding(type, 40, 64, {3, -1, 39, 40, 1000000, INT32_MIN, 0, INT32_MAX}, 1.5f, 1000 + int(type) * 7);
}

TEST_CASE("an embedding table larger than maxStorageBufferRange is bound in row chunks") {
    // Sized from the device: 2.5x the limit where that stays small (the
    // weaker-device run sets max-buffer-range=1M), else an ordinary table.
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t hidden = 96;
    for (auto type : kTypes) {
        const uint64_t row_bytes = weight_bytes(type, 1, hidden);
        const uint32_t vocab = range <= (8u << 20) ? uint32_t(range * 5 / 2 / row_bytes) : 3000;
        MESSAGE("embedding split test: " << vocab << " rows of " << row_bytes << " bytes, limit " << range);
        auto ids = random_ids(300, vocab, 1100 + int(type) * 7);
        ids[0] = 0;
        ids[1] = -5;
        check_embedding(type, vocab, hidden, ids, 1.25f, 1200 + int(type) * 7);
    }
}

TEST_CASE("an embedding table or id buffer smaller than stated is rejected") {
    ValidationGuard guard;
    auto table = make_buffer(random_floats(100, 1), "short table");
    auto ids = make_buffer_bytes(std::vector<int32_t>{0}.data(), 4, "ids");
    auto out = make_output(64, "out");
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(
        ops::record_embedding(gpu(), c, *ids, {table.get(), 0, DType::F32, 10, 64}, *out, 1, 1.0f),
        doctest::Contains("short table"));
    auto table_ok = make_buffer(random_floats(640, 2), "table");
    CHECK_THROWS_WITH(
        ops::record_embedding(gpu(), c, *ids, {table_ok.get(), 0, DType::F32, 10, 64}, *out, 2, 1.0f),
        doctest::Contains("too small"));
    c.end();
}
