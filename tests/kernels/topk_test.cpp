// Top-k selection vs a CPU std::partial_sort with the same order (value
// descending, lower id first on ties, NaN as -inf). Ids and values must match
// exactly: the kernel only compares and copies floats, it never computes any.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/gpu_test_context.h"
#include "ops/topk.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct TopK {
    std::vector<int32_t> ids;
    std::vector<float> values;
};

TopK reference_topk(const std::vector<float>& logits, uint32_t rows, uint32_t vocab, uint32_t k) {
    TopK out;
    for (uint32_t r = 0; r < rows; ++r) {
        std::vector<std::pair<float, int32_t>> row(vocab);
        for (uint32_t i = 0; i < vocab; ++i) {
            float v = logits[size_t(r) * vocab + i];
            row[i] = {std::isnan(v) ? kNegInf : v, int32_t(i)};
        }
        const uint32_t n = std::min(k, vocab);
        std::partial_sort(row.begin(), row.begin() + n, row.end(), [](const auto& a, const auto& b) {
            return a.first > b.first || (a.first == b.first && a.second < b.second);
        });
        for (uint32_t i = 0; i < k; ++i) {
            out.ids.push_back(i < n ? row[i].second : -1);
            out.values.push_back(i < n ? row[i].first : kNegInf);
        }
    }
    return out;
}

TopK gpu_topk(const std::vector<float>& logits, uint32_t rows, uint32_t vocab, uint32_t k) {
    auto in = make_buffer(logits, "logits");
    auto ids = make_output(size_t(rows) * k, "top-k ids");
    auto values = make_output(size_t(rows) * k, "top-k values");
    auto scratch = make_output(ops::topk_scratch_bytes(gpu().caps(), rows, vocab, k) / 4, "top-k scratch");
    run_once([&](vk::CommandBuffer& c) { ops::record_topk(gpu(), c, *in, *ids, *values, rows, vocab, k, *scratch); });
    TopK out;
    auto raw_ids = read_buffer(*ids, size_t(rows) * k);
    out.ids.resize(raw_ids.size());
    std::memcpy(out.ids.data(), raw_ids.data(), raw_ids.size() * 4);
    out.values = read_buffer(*values, size_t(rows) * k);
    return out;
}

void check_topk(const std::vector<float>& logits, uint32_t rows, uint32_t vocab, uint32_t k) {
    ValidationGuard guard;
    INFO("rows=" << rows << " vocab=" << vocab << " k=" << k);
    TopK want = reference_topk(logits, rows, vocab, k);
    TopK got = gpu_topk(logits, rows, vocab, k);
    size_t mismatches = 0, first = 0;
    for (size_t i = 0; i < want.ids.size(); ++i)
        if (got.ids[i] != want.ids[i] || got.values[i] != want.values[i]) {
            if (mismatches++ == 0) first = i;
        }
    INFO("first mismatch at " << first << ": got (" << got.ids[first] << ", " << got.values[first] << ") want ("
                              << want.ids[first] << ", " << want.values[first] << ")");
    CHECK(mismatches == 0);
}

// Logits with only a few distinct values, so that most of the order comes from the tie rule.
std::vector<float> tied_floats(size_t n, uint32_t seed, float levels) {
    auto x = random_floats(n, seed);
    for (float& v : x) v = std::round(v * levels) / levels;
    x[0] = 1.f;  // never all zero
    return x;
}

}  // namespace

TEST_CASE("top-k matches the CPU over vocabulary sizes, k and rows") {
    uint32_t seed = 100;
    for (uint32_t vocab : {1u, 7u, 1000u, 4096u, 128256u})
        for (uint32_t k : {1u, 5u, 40u, 256u})
            for (uint32_t rows : {1u, 3u}) check_topk(random_floats(size_t(rows) * vocab, ++seed), rows, vocab, k);
}

TEST_CASE("top-k breaks heavy ties by the lower id") {
    check_topk(tied_floats(3 * 4096, 7, 2.f), 3, 4096, 256);
    check_topk(tied_floats(2 * 128256, 8, 4.f), 2, 128256, 40);
    check_topk(tied_floats(1000, 9, 1.f), 1, 1000, 256);
    std::vector<float> same(5000, 0.5f);
    check_topk(same, 1, 5000, 256);
}

TEST_CASE("top-k treats NaN as -inf and keeps -inf entries in order") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto x = random_floats(3 * 10000, 21);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = nan;
    for (size_t i = 1; i < x.size(); i += 7) x[i] = kNegInf;
    check_topk(x, 3, 10000, 256);
    // A row that is nearly all NaN and -inf: the remaining slots are -inf with ids in order.
    std::vector<float> y(2 * 3000);
    for (size_t i = 0; i < y.size(); ++i) y[i] = i % 2 ? nan : kNegInf;
    y[17] = 2.f;
    y[3000 + 2999] = -5.f;
    check_topk(y, 2, 3000, 40);
    check_topk(y, 2, 3000, 1);
}

TEST_CASE("top-k with k above the vocabulary pads with id -1 and -inf") {
    check_topk(random_floats(3 * 7, 31), 3, 7, 40);
    TopK got = gpu_topk(random_floats(5, 32), 1, 5, 8);
    for (uint32_t i = 5; i < 8; ++i) {
        CHECK(got.ids[i] == -1);
        CHECK(got.values[i] == kNegInf);
    }
}

TEST_CASE("top-k of rows larger than a weak device's buffer range") {
    // 300000 floats per row are 1.2 MB: under a 1 MB maxStorageBufferRange the rows are sliced.
    check_topk(random_floats(2 * 300000, 41), 2, 300000, 40);
    check_topk(tied_floats(262144, 42, 8.f), 1, 262144, 256);
    // Odd sizes put slice starts off the offset alignment, and 4 x 147 chunks x 255
    // candidates (1.2 MB) also make the merge go row by row.
    check_topk(random_floats(4 * 300001, 43), 4, 300001, 255);
}

TEST_CASE("top-k rejects k outside [1, 256]") {
    auto in = make_buffer(random_floats(100, 51), "logits");
    auto out = make_output(300, "out");
    for (uint32_t k : {0u, 257u}) {
        vk::CommandBuffer c(gpu());
        c.begin();
        CHECK_THROWS_AS(ops::record_topk(gpu(), c, *in, *out, *out, 1, 100, k, *out), InputError);
        c.end();
    }
}
