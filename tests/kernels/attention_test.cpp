// Paged KV writes and paged attention vs a float64 CPU attention.
// Tolerance (per-query kernel): relative error <= 1e-5. Each output is a float32 online softmax
// over <= 300 keys of float32 dot products over <= 128 dims (rounding
// ~ sqrt(n) * 2^-24 per sum, a few e-7 here), far inside the bound. f16 KV
// pools are compared against a reference that reads the same f16-rounded K/V,
// and block-format pools (q8_0, q4_0) against one that reads the blocks the
// device's KV write encoded, decoded by the weight-type table's CPU decoder,
// so the storage rounding itself is not counted against the kernels (the
// encoding is kv_write_blocks_test.cpp's business, which allows a code one
// step off where x / d rounds differently; against CPU-encoded blocks an
// H200 was 2.6e-5 away in one case, as such codes would make it): a block
// decoded wrongly would cost far more than 1e-5.
// The cooperative-matrix kernel (where the device has it) rounds the queries
// and the softmax probabilities to f16 (relative 2^-11 ~ 4.9e-4 each) before
// its two products; scores, softmax and sums stay float32. Each output is a
// convex combination of V rows, so the probability rounding moves it by at
// most ~2^-11 of the values' size, and the query rounding moves each score by
// 2^-11 of sum |q_d k_d| * scale (under 1e-3 for these inputs, a relative
// change of the same order in each weight); the norm-wise error stays near
// 1e-3: bound 3e-3 (the softcap cases, with queries of magnitude 8, included).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "common/half.h"
#include "kernels/gpu_test_context.h"
#include "kv/gpu_pools.h"
#include "kv/kv_cache.h"
#include "kv/kv_type.h"
#include "kv/step_inputs.h"
#include "ops/attention.h"
#include "ops/kv_write.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Case {
    uint32_t heads = 4, kv_heads = 4, head_dim = 64, block_size = 16;
    bool causal = true;
    uint32_t window = 0;
    float softcap = 0.f;
    bool alibi = false;
    float q_magnitude = 1.f;
    uint32_t splits = 0;                 // 0: the op's choice
    std::vector<uint32_t> lengths;       // context length of each sequence
    std::vector<uint32_t> query_counts;  // queries per sequence: its last positions
    uint32_t context_bound = 0;          // > 0: max_context passed to the op (an upper bound)
    uint32_t table_width = 0;            // > 0: fixed block-table row length
    uint32_t seed = 1;
    std::optional<DType> kv_type;        // nullopt: f16 where the device has 16-bit storage, else f32
    ops::AttentionKernel kernel = ops::AttentionKernel::Auto;
};

// The cooperative-matrix kernel's bound (see the top of the file), and the
// worst error it has shown in this run (reported by its test case).
constexpr double kMatrixTolerance = 3e-3;
double worst_matrix_error = 0;

DType pool_type(const Case& c) { return kv::resolve_cache_type(c.kv_type, gpu().caps().storage_16bit); }

// Slopes as in ALiBi; any positive slopes would do for the kernel.
std::vector<float> alibi_slopes(uint32_t heads) {
    uint32_t p = 1;
    while (p * 2 <= heads) p *= 2;
    std::vector<float> s;
    for (uint32_t h = 1; h <= p; ++h) s.push_back(float(std::pow(2.0, -8.0 * h / p)));
    for (uint32_t h = 1; s.size() < heads; h += 2) s.push_back(float(std::pow(2.0, -8.0 * h / (2 * p))));
    return s;
}

bool allowed(const Case& c, int64_t i, int64_t j) {
    if (c.causal && j > i) return false;
    if (c.window > 0 && std::llabs(i - j) >= int64_t(c.window)) return false;
    return true;
}

// keys/values: token-major [length, kv_heads * head_dim] of one sequence.
void reference_query(const Case& c, const float* q, const std::vector<float>& keys, const std::vector<float>& values,
                     uint32_t length, uint32_t pos, const std::vector<float>& slopes, double* out) {
    const uint32_t row = c.kv_heads * c.head_dim;
    const double scale = 1.0 / std::sqrt(double(c.head_dim));
    for (uint32_t h = 0; h < c.heads; ++h) {
        const uint32_t g = h / (c.heads / c.kv_heads);
        std::vector<double> scores(length, -INFINITY);
        double m = -INFINITY;
        for (uint32_t j = 0; j < length; ++j) {
            if (!allowed(c, pos, j)) continue;
            double s = 0;
            for (uint32_t d = 0; d < c.head_dim; ++d)
                s += double(q[h * c.head_dim + d]) * double(keys[size_t(j) * row + g * c.head_dim + d]);
            s *= scale;
            if (c.softcap > 0) s = c.softcap * std::tanh(s / c.softcap);
            if (c.alibi) s += double(slopes[h]) * (double(j) - double(pos));
            scores[j] = s;
            m = std::max(m, s);
        }
        double total = 0;
        for (auto& s : scores) total += s = std::isinf(s) ? 0.0 : std::exp(s - m);
        for (uint32_t d = 0; d < c.head_dim; ++d) {
            double acc = 0;
            for (uint32_t j = 0; j < length; ++j) acc += scores[j] * double(values[size_t(j) * row + g * c.head_dim + d]);
            out[h * c.head_dim + d] = total > 0 ? acc / total : 0.0;
        }
    }
}

std::vector<float> round_to_half(std::vector<float> v) {
    for (auto& x : v) x = half_to_float(float_to_half(x));
    return v;
}

// The K/V values a pool of `type` holds for rows `v` (whole blocks): f16
// rounded, or encoded and decoded by the weight-type table's CPU codec.
std::vector<float> as_stored(DType type, std::vector<float> v) {
    if (type == DType::F32) return v;
    if (type == DType::F16) return round_to_half(v);
    const DTypeTraits& t = dtype_traits(type);
    REQUIRE(v.size() % t.block_values == 0);
    const uint64_t blocks = v.size() / t.block_values;
    std::vector<uint8_t> bytes(blocks * t.block_bytes);
    t.encode(v.data(), blocks, bytes.data());
    t.decode(bytes.data(), blocks, v.data());
    return v;
}

// Makes the pool hand out block ids in a shuffled order, so block tables are not contiguous.
void scramble(kv::KvCache& cache, uint32_t num_blocks, uint32_t seed) {
    std::vector<int32_t> ids(num_blocks);
    std::iota(ids.begin(), ids.end(), 1000);
    for (int32_t id : ids) cache.append(id, 1);
    std::shuffle(ids.begin(), ids.end(), std::mt19937(seed));
    for (int32_t id : ids) cache.free_sequence(id);
}

std::unique_ptr<vk::Buffer> make_int_buffer(const std::vector<int32_t>& values, const std::string& name) {
    return make_buffer_bytes(values.data(), std::max<size_t>(values.size(), 1) * 4, name);
}

// Names the first outputs that are not finite or far off (which query, head, dimension).
void report_mismatches(const Case& c, const std::vector<float>& got, const std::vector<double>& expected) {
    int shown = 0;
    for (size_t i = 0; i < got.size() && shown < 8; ++i) {
        if (std::isfinite(got[i]) && std::fabs(got[i] - expected[i]) <= 0.05) continue;
        ++shown;
        MESSAGE("query " << i / (c.heads * c.head_dim) << ", head " << (i / c.head_dim) % c.heads << ", dimension "
                         << i % c.head_dim << ": " << got[i] << " (expected " << expected[i] << ")");
    }
}

void check_attention(const Case& c) {
    ValidationGuard guard;
    const auto& caps = gpu().caps();
    const DType type = pool_type(c);
    const uint32_t row = c.kv_heads * c.head_dim;
    const uint32_t num_seqs = uint32_t(c.lengths.size());

    kv::KvGeometry geometry{1, c.kv_heads, c.head_dim, c.block_size, type};
    uint32_t needed = 0;
    for (uint32_t len : c.lengths) needed += (len + c.block_size - 1) / c.block_size;
    const uint32_t num_blocks = needed + 5;
    kv::KvCache cache(geometry, num_blocks);
    scramble(cache, num_blocks, c.seed);
    kv::GpuKvPools pools(gpu(), geometry, num_blocks);

    // Every sequence's keys and values, written through the slot mapping.
    std::vector<std::vector<float>> keys(num_seqs), values(num_seqs);
    std::vector<float> all_k, all_v;
    std::vector<int32_t> slots, seq_ids(num_seqs);
    for (uint32_t s = 0; s < num_seqs; ++s) {
        seq_ids[s] = int32_t(s);
        keys[s] = random_floats(size_t(c.lengths[s]) * row, c.seed * 31 + s);
        values[s] = random_floats(size_t(c.lengths[s]) * row, c.seed * 37 + s);
        auto new_slots = cache.append(int32_t(s), c.lengths[s]);
        slots.insert(slots.end(), new_slots.begin(), new_slots.end());
        all_k.insert(all_k.end(), keys[s].begin(), keys[s].end());
        all_v.insert(all_v.end(), values[s].begin(), values[s].end());
        keys[s] = as_stored(type, keys[s]), values[s] = as_stored(type, values[s]);
    }
    auto k_in = make_buffer(all_k, "k rows"), v_in = make_buffer(all_v, "v rows");
    auto slot_buffer = make_int_buffer(slots, "slots");

    // Queries: the last query_counts[s] positions of each sequence.
    std::vector<int32_t> seq_index, positions;
    for (uint32_t s = 0; s < num_seqs; ++s)
        for (uint32_t p = c.lengths[s] - c.query_counts[s]; p < c.lengths[s]; ++p) {
            seq_index.push_back(int32_t(s));
            positions.push_back(int32_t(p));
        }
    const uint32_t queries = uint32_t(positions.size());
    const auto q = random_floats(size_t(queries) * c.heads * c.head_dim, c.seed * 41, -c.q_magnitude, c.q_magnitude);
    const auto slopes = alibi_slopes(c.heads);
    const auto table = cache.block_table(seq_ids, c.table_width);
    std::vector<int32_t> context(c.lengths.begin(), c.lengths.end());

    ops::AttentionSpec spec;
    spec.heads = c.heads;
    spec.kv_heads = c.kv_heads;
    spec.head_dim = c.head_dim;
    spec.block_size = c.block_size;
    spec.causal = c.causal;
    spec.sliding_window = c.window;
    spec.softcap = c.softcap;
    spec.alibi = c.alibi;
    spec.kv_type = type;
    spec.splits = c.splits;
    spec.kernel = c.kernel;
    ops::AttentionShape shape{queries, num_seqs, uint32_t(table.size() / num_seqs),
                              std::max(c.context_bound, *std::max_element(c.lengths.begin(), c.lengths.end()))};

    auto q_buffer = make_buffer(q, "q");
    auto seq_buffer = make_int_buffer(seq_index, "sequence index");
    auto pos_buffer = make_int_buffer(positions, "positions");
    auto ctx_buffer = make_int_buffer(context, "context lengths");
    auto table_buffer = make_int_buffer(table, "block table");
    auto slope_buffer = make_buffer(slopes, "alibi slopes");
    auto out = make_output(q.size(), "attention out");
    const uint64_t scratch_bytes = ops::attention_scratch_bytes(caps, spec, shape);
    auto scratch = make_output(std::max<uint64_t>(scratch_bytes / 4, 1), "attention scratch");

    ops::AttentionBuffers buffers;
    buffers.q = q_buffer.get();
    buffers.seq_index = seq_buffer.get();
    buffers.positions = pos_buffer.get();
    buffers.context_lens = ctx_buffer.get();
    buffers.block_table = table_buffer.get();
    buffers.k_pool = &pools.keys(0);
    buffers.v_pool = &pools.values(0);
    buffers.alibi_slopes = c.alibi ? slope_buffer.get() : nullptr;
    buffers.out = out.get();
    buffers.scratch = scratch.get();
    run_once([&](vk::CommandBuffer& commands) {
        ops::record_kv_write(gpu(), commands, *k_in, *v_in, *slot_buffer, pools.keys(0), pools.values(0),
                             uint32_t(slots.size()), row, type);
        commands.barrier();
        ops::record_attention(gpu(), commands, spec, shape, buffers);
    });

    // Block pools: the reference reads what the device encoded (a value may
    // sit one code step from the CPU encoder's where x / d rounds differently,
    // which kv_write_blocks_test.cpp bounds), decoded by the CPU decoder.
    if (dtype_is_block(type)) {
        const DTypeTraits& t = dtype_traits(type);
        const uint64_t slot_bytes = kv::slot_bytes(type, row), row_blocks = row / t.block_values;
        std::vector<uint8_t> pool(pools.keys(0).size());
        vk::download(gpu(), pools.keys(0), pool.data(), pool.size());
        for (uint32_t s = 0; s < num_seqs; ++s)
            for (uint32_t p = 0; p < c.lengths[s]; ++p) {
                const uint64_t at = uint64_t(cache.slot(int32_t(s), p)) * slot_bytes;
                t.decode(&pool[at], row_blocks, &keys[s][size_t(p) * row]);
                t.decode(&pool[at + slot_bytes / 2], row_blocks, &values[s][size_t(p) * row]);
            }
    }
    std::vector<double> expected(q.size());
    for (uint32_t i = 0; i < queries; ++i) {
        const size_t offset = size_t(i) * c.heads * c.head_dim;
        const uint32_t s = uint32_t(seq_index[i]);
        reference_query(c, &q[offset], keys[s], values[s], c.lengths[s], uint32_t(positions[i]), slopes,
                        &expected[offset]);
    }
    INFO("heads=" << c.heads << " kv_heads=" << c.kv_heads << " head_dim=" << c.head_dim << " queries=" << queries
                  << " max_context=" << shape.max_context << " splits=" << ops::attention_splits(caps, spec, shape)
                  << " pools=" << std::string(dtype_traits(type).name) << " window=" << c.window << " causal=" << c.causal
                  << " alibi=" << c.alibi << " softcap=" << c.softcap);
    const ops::AttentionKernel kernel = ops::attention_kernel(caps, spec, shape);
    const bool matrix = kernel == ops::AttentionKernel::Matrix || kernel == ops::AttentionKernel::Mixed;
    const auto got = read_buffer(*out, q.size());
    const double error = relative_error(got, expected);
    const double bound = matrix ? kMatrixTolerance : 1e-5;
    INFO("kernel: " << std::string(kernel == ops::AttentionKernel::Mixed ? "mixed" : matrix ? "cooperative matrix" : "per query")
                    << ", relative error " << error);
    if (matrix) worst_matrix_error = std::max(worst_matrix_error, error);
    if (!(error <= bound)) report_mismatches(c, got, expected);
    CHECK(error <= bound);
}

Case prefill(uint32_t heads, uint32_t kv_heads, uint32_t head_dim, uint32_t tokens, uint32_t seed) {
    Case c;
    c.heads = heads;
    c.kv_heads = kv_heads;
    c.head_dim = head_dim;
    c.lengths = {tokens};
    c.query_counts = {tokens};
    c.seed = seed;
    return c;
}

Case decode(uint32_t heads, uint32_t kv_heads, uint32_t head_dim, std::vector<uint32_t> contexts, uint32_t seed) {
    Case c;
    c.heads = heads;
    c.kv_heads = kv_heads;
    c.head_dim = head_dim;
    c.lengths = contexts;
    c.query_counts.assign(contexts.size(), 1);
    c.seed = seed;
    return c;
}

}  // namespace

TEST_CASE("kv write puts each token row at its slot") {
    ValidationGuard guard;
    const bool f16 = gpu().caps().storage_16bit;
    kv::KvGeometry geometry{1, 2, 8, 4, f16 ? DType::F16 : DType::F32};
    const uint32_t row = 16, tokens = 13;
    kv::GpuKvPools pools(gpu(), geometry, 6);
    // -1: padding; 24 and 1000 lie past the 24 slots of the pools: all skipped.
    std::vector<int32_t> slots = {5, 0, 23, 7, -1, 12, 13, 1, 24, 22, 2, 9, 1000};
    auto k = random_floats(tokens * row, 3), v = random_floats(tokens * row, 4);
    auto kb = make_buffer(k, "k"), vb = make_buffer(v, "v");
    auto sb = make_buffer_bytes(slots.data(), slots.size() * 4, "slots");
    run_once([&](vk::CommandBuffer& commands) {
        commands.fill(pools.keys(0), 0);
        commands.fill(pools.values(0), 0);
        commands.barrier();
        ops::record_kv_write(gpu(), commands, *kb, *vb, *sb, pools.keys(0), pools.values(0), tokens, row,
                             geometry.type);
    });
    const size_t elements = pools.pool_bytes() / (f16 ? 2 : 4);
    std::vector<uint8_t> kraw(pools.pool_bytes()), vraw(pools.pool_bytes());
    vk::download(gpu(), pools.keys(0), kraw.data(), kraw.size());
    vk::download(gpu(), pools.values(0), vraw.data(), vraw.size());
    auto element = [&](const std::vector<uint8_t>& raw, size_t i) {
        if (!f16) {
            float f;
            std::memcpy(&f, &raw[i * 4], 4);
            return f;
        }
        uint16_t h;
        std::memcpy(&h, &raw[i * 2], 2);
        return half_to_float(h);
    };
    std::vector<float> expected_k(elements, 0.f), expected_v(elements, 0.f);
    for (uint32_t t = 0; t < tokens; ++t) {
        if (slots[t] < 0 || slots[t] >= 24) continue;
        for (uint32_t c = 0; c < row; ++c) {
            const float kk = k[t * row + c], vv = v[t * row + c];
            expected_k[size_t(slots[t]) * row + c] = f16 ? half_to_float(float_to_half(kk)) : kk;
            expected_v[size_t(slots[t]) * row + c] = f16 ? half_to_float(float_to_half(vv)) : vv;
        }
    }
    size_t mismatches = 0;
    for (size_t i = 0; i < elements; ++i)
        mismatches += element(kraw, i) != expected_k[i] || element(vraw, i) != expected_v[i];
    CHECK(mismatches == 0);  // a copy (f16: round to nearest, the same as the CPU) is exact
}

TEST_CASE("paged attention: causal prefill, MHA") {
    for (uint32_t tokens : {1u, 7u, 33u, 100u}) check_attention(prefill(4, 4, 64, tokens, tokens));
}

TEST_CASE("paged attention: causal prefill, GQA and MQA, head_dim 64 and 80") {
    check_attention(prefill(8, 2, 80, 33, 5));
    check_attention(prefill(8, 2, 64, 100, 6));
    check_attention(prefill(6, 1, 80, 7, 7));
    check_attention(prefill(4, 1, 64, 100, 8));
}

TEST_CASE("paged attention: decode over short and long contexts, split over keys") {
    for (uint32_t context : {1u, 17u, 300u}) {
        check_attention(decode(8, 2, 64, {context}, context));
        check_attention(decode(4, 4, 80, {context}, context + 1));
    }
    // The long decode really splits.
    ops::AttentionSpec spec;
    spec.heads = 8;
    spec.kv_heads = 2;
    CHECK(ops::attention_splits(gpu().caps(), spec, {1, 1, 19, 300}) > 1);
}

TEST_CASE("paged attention: a batch of sequences of different lengths") {
    check_attention(decode(8, 2, 64, {37, 300}, 11));
    // One sequence in prefill and one decoding, in one batch.
    Case mixed = decode(8, 2, 80, {20, 150}, 12);
    mixed.query_counts = {20, 1};
    check_attention(mixed);
    // Three sequences, several queries each, MQA, forced key splits (some of them empty).
    Case chunked = decode(6, 1, 64, {70, 5, 129}, 13);
    chunked.query_counts = {9, 5, 3};
    chunked.splits = 4;
    check_attention(chunked);
}

TEST_CASE("paged attention: commands recorded for a context limit run on shorter contexts") {
    // As a program recorded once and replayed per step: the split plan and the
    // table width come from the limit, most splits find no keys.
    Case c = decode(8, 2, 64, {3, 130}, 14);
    c.context_bound = 2048;
    c.table_width = 128;
    check_attention(c);
}

TEST_CASE("paged attention: sliding window") {
    Case c = prefill(4, 2, 64, 48, 21);
    c.window = 8;
    check_attention(c);
    c.splits = 3;
    check_attention(c);
    Case d = decode(4, 2, 64, {48, 300}, 22);
    d.window = 8;
    check_attention(d);
}

TEST_CASE("paged attention: bidirectional (encoder)") {
    Case c = prefill(4, 4, 64, 33, 31);
    c.causal = false;
    check_attention(c);
    c.window = 5;
    check_attention(c);
    Case split = prefill(8, 2, 80, 100, 32);
    split.causal = false;
    split.splits = 2;
    check_attention(split);
}

TEST_CASE("paged attention: ALiBi with 8 and 6 heads") {
    Case eight = prefill(8, 8, 64, 33, 41);
    eight.alibi = true;
    check_attention(eight);
    Case six = decode(6, 6, 64, {17, 300}, 42);
    six.alibi = true;
    check_attention(six);
}

TEST_CASE("paged attention: logit softcap") {
    Case c = prefill(4, 2, 64, 33, 51);
    c.softcap = 5.f;
    c.q_magnitude = 8.f;  // scores well into the cap's bend
    check_attention(c);
    Case d = decode(4, 2, 80, {300}, 52);
    d.softcap = 5.f;
    d.q_magnitude = 8.f;
    check_attention(d);
}

TEST_CASE("cooperative-matrix attention matches the CPU where the device has it") {
    ops::AttentionSpec probe;
    probe.kv_type = kv::resolve_cache_type(std::nullopt, gpu().caps().storage_16bit);
    if (const std::string problem = ops::matrix_attention_problem(gpu().caps(), probe); !problem.empty()) {
        MESSAGE("skipped: no cooperative-matrix attention on " << gpu().caps().name << ": " << problem);
        return;
    }
    auto matrix = [](Case c) {
        c.kernel = ops::AttentionKernel::Matrix;
        return c;
    };
    // One sequence: MHA, GQA (groups of 4 and 8: four heads a workgroup), MQA,
    // head sizes 64, 80 and 128; query counts off the 16-row fragments.
    for (uint32_t tokens : {1u, 16u, 33u, 100u, 300u}) check_attention(matrix(prefill(4, 4, 64, tokens, tokens + 300)));
    check_attention(matrix(prefill(8, 2, 80, 33, 305)));
    check_attention(matrix(prefill(32, 8, 64, 130, 306)));
    check_attention(matrix(prefill(16, 2, 128, 77, 307)));
    check_attention(matrix(prefill(6, 1, 64, 50, 308)));
    check_attention(matrix(prefill(6, 3, 128, 40, 309)));
    // Several sequences in one step, a workgroup's queries spanning them: two
    // prompts, a chunk of a long one, and decode rows among them.
    Case batch = matrix(decode(8, 2, 64, {70, 5, 129, 300}, 310));
    batch.query_counts = {70, 5, 29, 1};
    check_attention(batch);
    Case chunk = matrix(decode(8, 8, 128, {20, 150}, 311));
    chunk.query_counts = {20, 64};
    check_attention(chunk);
    // A program recorded for a longer context limit and a wider block table.
    Case bound = matrix(prefill(8, 2, 64, 40, 312));
    bound.context_bound = 2048;
    bound.table_width = 128;
    check_attention(bound);
    // Window, bidirectional, ALiBi, softcap.
    Case window = matrix(prefill(4, 2, 64, 100, 313));
    window.window = 8;
    check_attention(window);
    Case encoder = matrix(prefill(8, 2, 64, 100, 314));
    encoder.causal = false;
    check_attention(encoder);
    encoder.window = 5;
    check_attention(encoder);
    Case alibi = matrix(prefill(8, 8, 64, 65, 315));
    alibi.alibi = true;
    check_attention(alibi);
    Case cap = matrix(prefill(4, 2, 128, 70, 316));
    cap.softcap = 5.f;
    cap.q_magnitude = 8.f;
    check_attention(cap);
    // Mixed: the sequences with at least 16 queries on the matrix kernel, the
    // others (decode rows, short chunks) on the per-query one, in one step;
    // runs of exactly 15 and 16 rows sit on the boundary of the rule.
    auto mixed = [](Case c) {
        c.kernel = ops::AttentionKernel::Mixed;
        return c;
    };
    Case serving = mixed(decode(8, 2, 64, {90, 200, 17, 40, 300, 16, 15, 64}, 317));
    serving.query_counts = {1, 1, 17, 3, 1, 16, 15, 64};
    check_attention(serving);
    Case decodes = mixed(decode(4, 4, 128, {30, 64, 100, 7}, 318));  // no run long enough: matrix workgroups all leave
    check_attention(decodes);
    Case prompt = mixed(prefill(8, 2, 64, 100, 319));  // every row the matrix kernel's
    check_attention(prompt);
    // Block-format pools, decoded into the f16 tiles.
    for (DType type : {DType::Q8_0, DType::Q4_0}) {
        CAPTURE(dtype_traits(type).name);
        Case c = matrix(prefill(8, 2, 128, 90, 320));
        c.kv_type = type;
        check_attention(c);
        Case b = matrix(decode(6, 1, 64, {70, 5, 129}, 321));
        b.kv_type = type;
        b.query_counts = {40, 5, 60};
        check_attention(b);
        check_attention(mixed(b));
    }
    // The automatic choice: both kernels for a step of many queries (on a GPU:
    // a CPU device keeps the per-query kernel), the per-query one for few.
    ops::AttentionSpec spec = probe;
    spec.heads = 32;
    spec.kv_heads = 8;
    const bool cpu = gpu().caps().device_type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    CHECK(ops::attention_kernel(gpu().caps(), spec, {512, 1, 32, 512}) ==
          (cpu ? ops::AttentionKernel::PerQuery : ops::AttentionKernel::Mixed));
    CHECK(ops::attention_kernel(gpu().caps(), spec, {32, 32, 32, 512}) == ops::AttentionKernel::PerQuery);
    MESSAGE("worst relative error of the cooperative-matrix kernel: " << worst_matrix_error);
}

TEST_CASE("the cooperative-matrix attention kernel, forced where it cannot run, is refused with the reason") {
    ValidationGuard guard;
    ops::AttentionSpec spec;
    spec.kernel = ops::AttentionKernel::Matrix;
    spec.kv_type = DType::F32;  // never served by the matrix kernel
    CHECK_FALSE(ops::matrix_attention_problem(gpu().caps(), spec).empty());
    vk::CommandBuffer commands(gpu());
    commands.begin();
    CHECK_THROWS_AS(ops::record_attention(gpu(), commands, spec, {1, 1, 1, 1}, {}), DeviceError);
    commands.end();
}

TEST_CASE("KV pools larger than a binding allows are refused clearly") {
    const auto& caps = gpu().caps();
    kv::KvGeometry geometry{1, 8, 128, 16, DType::F32};
    const uint64_t per_block = uint64_t(16) * 8 * 128 * 4;
    const uint64_t limit = std::min(caps.max_storage_buffer_range, caps.max_memory_allocation_size);
    const uint64_t too_many = limit / per_block + 1;
    if (too_many > 100000) return;  // no such limit worth testing on this device
    CHECK_THROWS_AS(std::make_unique<kv::GpuKvPools>(gpu(), geometry, uint32_t(too_many)), DeviceError);
}

namespace {
// Prefill 10 tokens, then decode one token per step. Before each step the
// blocks the window has left behind go back to the pool, so 30 tokens fit
// in 6 blocks of 4 and the block table holds released (-1) entries that
// the shader must never read.
void check_window_decode(std::optional<DType> kv_type) {
    ValidationGuard guard;
    const auto& caps = gpu().caps();
    Case c;
    c.kv_type = kv_type;
    const DType type = pool_type(c);
    c.heads = 4;
    c.kv_heads = 2;
    c.head_dim = 64;
    c.block_size = 4;
    c.window = 8;
    const uint32_t row = c.kv_heads * c.head_dim, prefill_tokens = 10, total = 30, num_blocks = 6;
    kv::KvGeometry geometry{1, c.kv_heads, c.head_dim, c.block_size, type};
    kv::KvCache cache(geometry, num_blocks);
    kv::GpuKvPools pools(gpu(), geometry, num_blocks);
    const auto all_k = random_floats(size_t(total) * row, 61), all_v = random_floats(size_t(total) * row, 62);
    const auto keys = as_stored(type, all_k), values = as_stored(type, all_v);
    const std::vector<float> slopes(c.heads, 0.f);
    const int32_t seq = 0;

    ops::AttentionSpec spec;
    spec.heads = c.heads;
    spec.kv_heads = c.kv_heads;
    spec.head_dim = c.head_dim;
    spec.block_size = c.block_size;
    spec.sliding_window = c.window;
    spec.kv_type = type;

    uint32_t done = 0;
    bool saw_released_entry = false;
    while (done < total) {
        const uint32_t step = done == 0 ? prefill_tokens : 1;
        if (done > 0) {
            cache.release_outside_window(seq, c.window);
            CHECK(cache.usage().blocks_used <= 3);  // positions pos-7..pos-1 span at most 3 blocks
        }
        const kv::StepRequest request[] = {{seq, step}};
        const kv::StepInputs in = kv::append_step(cache, request);
        const std::vector<float> k_rows(all_k.begin() + ptrdiff_t(done) * row,
                                        all_k.begin() + ptrdiff_t(done + step) * row);
        const std::vector<float> v_rows(all_v.begin() + ptrdiff_t(done) * row,
                                        all_v.begin() + ptrdiff_t(done + step) * row);
        saw_released_entry |= in.block_table[0] == kv::KvCache::kReleased;
        const auto q = random_floats(size_t(step) * c.heads * c.head_dim, 70 + done);

        auto kb = make_buffer(k_rows, "k rows"), vb = make_buffer(v_rows, "v rows");
        auto sb = make_int_buffer(in.slots, "slots"), pb = make_int_buffer(in.positions, "positions");
        auto ib = make_int_buffer(in.seq_index, "sequence index"), cb = make_int_buffer(in.context_lens, "context");
        auto tb = make_int_buffer(in.block_table, "block table"), qb = make_buffer(q, "q");
        auto out = make_output(q.size(), "attention out");
        ops::AttentionShape shape{in.tokens, in.sequences, in.max_blocks, in.max_context};
        ops::AttentionBuffers buffers;
        buffers.q = qb.get();
        buffers.seq_index = ib.get();
        buffers.positions = pb.get();
        buffers.context_lens = cb.get();
        buffers.block_table = tb.get();
        buffers.k_pool = &pools.keys(0);
        buffers.v_pool = &pools.values(0);
        buffers.out = out.get();
        REQUIRE(ops::attention_scratch_bytes(caps, spec, shape) == 0);
        run_once([&](vk::CommandBuffer& commands) {
            ops::record_kv_write(gpu(), commands, *kb, *vb, *sb, pools.keys(0), pools.values(0), step, row, type);
            commands.barrier();
            ops::record_attention(gpu(), commands, spec, shape, buffers);
        });
        std::vector<double> expected(q.size());
        for (uint32_t i = 0; i < step; ++i)
            reference_query(c, &q[size_t(i) * c.heads * c.head_dim], keys, values, done + step, done + i, slopes,
                            &expected[size_t(i) * c.heads * c.head_dim]);
        INFO("tokens so far: " << done + step << ", pools " << dtype_traits(type).name);
        CHECK(relative_error(read_buffer(*out, q.size()), expected) <= 1e-5);
        done += step;
    }
    CHECK(saw_released_entry);
}
}  // namespace

TEST_CASE("paged attention: decode steps with a sliding window reuse released blocks") { check_window_decode(std::nullopt); }

// Block-format pools: the KV write encodes, attention decodes in place. Head
// sizes 32, 64, 96 and 128 with 1 to 4 kv heads: rows of one to eight blocks,
// odd counts among them, so a block pair written as whole words spans a K
// row's end and a V row's start.
TEST_CASE("paged attention over q8_0 and q4_0 pools: prefill, decode, splits, batches") {
    for (DType type : {DType::Q8_0, DType::Q4_0}) {
        CAPTURE(dtype_traits(type).name);
        auto with = [&](Case c) {
            c.kv_type = type;
            return c;
        };
        for (uint32_t tokens : {1u, 33u, 100u}) check_attention(with(prefill(4, 4, 64, tokens, tokens + 200)));
        check_attention(with(prefill(8, 2, 128, 40, 201)));
        check_attention(with(prefill(6, 1, 96, 37, 202)));
        check_attention(with(prefill(4, 1, 32, 20, 203)));
        for (uint32_t context : {1u, 17u, 300u}) {
            check_attention(with(decode(8, 2, 64, {context}, context + 210)));
            check_attention(with(decode(3, 3, 96, {context}, context + 211)));
        }
        Case mixed = with(decode(8, 2, 128, {20, 150}, 220));
        mixed.query_counts = {20, 1};
        check_attention(mixed);
        Case chunked = with(decode(6, 1, 64, {70, 5, 129}, 221));
        chunked.query_counts = {9, 5, 3};
        chunked.splits = 4;
        check_attention(chunked);
        Case bound = with(decode(8, 2, 64, {3, 130}, 222));
        bound.context_bound = 2048;
        bound.table_width = 128;
        check_attention(bound);
    }
}

TEST_CASE("paged attention over q8_0 pools: window, bidirectional, ALiBi, softcap, released blocks") {
    auto q8 = [](Case c) {
        c.kv_type = DType::Q8_0;
        return c;
    };
    Case window = q8(prefill(4, 2, 64, 48, 231));
    window.window = 8;
    check_attention(window);
    Case encoder = q8(prefill(8, 2, 64, 100, 232));
    encoder.causal = false;
    encoder.splits = 2;
    check_attention(encoder);
    Case alibi = q8(decode(6, 6, 64, {17, 300}, 233));
    alibi.alibi = true;
    check_attention(alibi);
    Case cap = q8(decode(4, 2, 128, {300}, 234));
    cap.softcap = 5.f;
    cap.q_magnitude = 8.f;
    check_attention(cap);
    check_window_decode(DType::Q8_0);
}

TEST_CASE("q8_0 KV pools refuse head sizes that are not whole blocks, naming the head size") {
    ValidationGuard guard;
    kv::KvGeometry geometry{1, 2, 80, 16, DType::Q8_0};
    CHECK_THROWS_WITH_AS(kv::GpuKvPools(gpu(), geometry, 4), doctest::Contains("head_dim 80"), InputError);
    ops::AttentionSpec spec;
    spec.head_dim = 80;
    spec.kv_type = DType::Q8_0;
    vk::CommandBuffer commands(gpu());
    commands.begin();
    CHECK_THROWS_WITH_AS(ops::record_attention(gpu(), commands, spec, {1, 1, 1, 1}, {}),
                         doctest::Contains("head_dim 80 is not a multiple of 32"), InputError);
    commands.end();
}
