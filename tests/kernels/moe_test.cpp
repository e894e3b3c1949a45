// Mixture-of-Experts kernels vs CPU computations in double precision:
// routing (probabilities, ranking, slots, grouped rows, tiles, statistics),
// routed expert linear layers over stacked expert weights, and the combine.
// Tolerances:
//  - router probabilities and slot weights: relative 4e-6. GLSL's float32 exp
//    may be off by 3 + 2|x| ulps (2^-24 each), ~2e-6 for the |x| <= 14 the
//    biased logits here reach; the softmax sum and the renormalising
//    denominator add one rounding per term. Probability sums in the
//    statistics add one float32 rounding per token on top (all terms positive).
//  - expert linear: relative 2e-6 * sqrt(K) + 1e-6, as for the dense linear
//    kernels (linear_test.cpp): f16 and block weights (weight_blocks.h) are compared with their
//    decoded values, so only the K-term float32 accumulation rounds.
//  - combine: relative 4e-6: k + 1 float32 products and sums, plus the
//    sigmoid gate's exp.
#include <array>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "common/half.h"
#include "kernels/gpu_test_context.h"
#include "kernels/moe_plan.h"
#include "kernels/weight_blocks.h"
#include "ops/expert_linear.h"
#include "ops/moe.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

constexpr double kProbTolerance = 4e-6;

ops::MoeRoutingSpec make_spec(uint32_t experts, uint32_t top_k, bool sigmoid = false, bool renormalize = true,
                              double capacity_factor = 0.0, bool next_best = true) {
    ops::MoeRoutingSpec s;
    s.experts = experts;
    s.top_k = top_k;
    s.sigmoid = sigmoid;
    s.renormalize = renormalize;
    s.capacity_factor = capacity_factor;
    s.overflow_next_best = next_best;
    return s;
}

std::string describe(const ops::MoeRoutingSpec& s, uint32_t n) {
    std::ostringstream o;
    o << n << " tokens, " << s.experts << " experts, top-" << s.top_k << (s.sigmoid ? ", sigmoid" : ", softmax")
      << (s.renormalize ? ", renormalised" : "") << ", capacity factor " << s.capacity_factor
      << (s.overflow_next_best ? " (next best)" : " (drop)");
    return o.str();
}

double relative_difference(double gpu, double cpu) { return std::fabs(gpu - cpu) / std::max(std::fabs(cpu), 1e-30); }

void check_probabilities_and_ranking(const GpuPlan& plan, const CpuRouting& cpu) {
    double worst = 0;
    for (size_t i = 0; i < cpu.probs.size(); ++i) worst = std::max(worst, relative_difference(plan.probs[i], cpu.probs[i]));
    CHECK(worst <= kProbTolerance);
    size_t rank_mismatches = 0;
    for (size_t i = 0; i < cpu.ranking.size(); ++i) rank_mismatches += plan.ranking[i] != cpu.ranking[i];
    CHECK(rank_mismatches == 0);
}

void check_slots(const GpuPlan& plan, const CpuRouting& cpu) {
    size_t expert_mismatches = 0, bad_dropped = 0;
    double worst_weight = 0;
    for (size_t s = 0; s < cpu.expert.size(); ++s) {
        const auto& slot = plan.slots[s];
        expert_mismatches += slot[0] != cpu.expert[s];
        if (cpu.expert[s] < 0) {
            bad_dropped += slot[1] != -1 || plan.slot_weight(s) != 0.f || slot[3] != 0;
            continue;
        }
        bad_dropped += slot[3] != 0;
        worst_weight = std::max(worst_weight, relative_difference(plan.slot_weight(s), cpu.weight[s]));
    }
    CHECK(expert_mismatches == 0);
    CHECK(bad_dropped == 0);
    CHECK(worst_weight <= kProbTolerance);
}

// Grouped rows: the used slots, grouped by expert in ascending order (any
// order inside an expert), then (0, -1); each used slot points at its own row.
void check_grouped_rows(const GpuPlan& plan, const CpuRouting& cpu, uint32_t k) {
    const uint32_t slots = uint32_t(cpu.expert.size());
    const uint32_t used = slots - cpu.dropped;
    REQUIRE(plan.used_rows() == used);
    std::vector<std::array<int32_t, 2>> expected, got(plan.grouped_rows.begin(), plan.grouped_rows.begin() + used);
    for (uint32_t s = 0; s < slots; ++s)
        if (cpu.expert[s] >= 0) expected.push_back({int32_t(s / k), cpu.expert[s]});
    size_t out_of_order = 0;
    for (uint32_t r = 1; r < used; ++r) out_of_order += got[r][1] < got[r - 1][1];
    CHECK(out_of_order == 0);
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    CHECK(got == expected);
    size_t bad_tail = 0;
    for (uint32_t r = used; r < slots; ++r) bad_tail += plan.grouped_rows[r] != std::array<int32_t, 2>{0, -1};
    CHECK(bad_tail == 0);

    std::vector<uint32_t> referenced(used, 0);
    size_t bad_links = 0;
    for (uint32_t s = 0; s < slots; ++s) {
        const auto& slot = plan.slots[s];
        if (slot[0] < 0) continue;
        if (slot[1] < 0 || uint32_t(slot[1]) >= used) {
            ++bad_links;
            continue;
        }
        ++referenced[slot[1]];
        bad_links += plan.grouped_rows[slot[1]] != std::array<int32_t, 2>{int32_t(s / k), slot[0]};
    }
    CHECK(bad_links == 0);
    CHECK(std::all_of(referenced.begin(), referenced.end(), [](uint32_t c) { return c == 1; }));
}

// Tiles: a prefix of entries with rows, each at most kMoeTileRows rows of one
// expert, covering every used grouped row once with the fewest tiles per
// expert; zero entries after it.
void check_tiles(const GpuPlan& plan, const CpuRouting& cpu) {
    const uint32_t used = uint32_t(cpu.expert.size()) - cpu.dropped;
    std::vector<uint32_t> covered(used, 0);
    std::map<uint32_t, uint32_t> tiles_of_expert;
    size_t i = 0, bad = 0;
    for (; i < plan.tiles.size() && plan.tiles[i][2] != 0; ++i) {
        const auto& tile = plan.tiles[i];
        if (tile[2] > ops::kMoeTileRows || tile[1] + tile[2] > used || tile[3] != 0) {
            ++bad;
            continue;
        }
        ++tiles_of_expert[tile[0]];
        for (uint32_t r = tile[1]; r < tile[1] + tile[2]; ++r) {
            ++covered[r];
            bad += plan.grouped_rows[r][1] != int32_t(tile[0]);
        }
    }
    CHECK(bad == 0);
    CHECK(std::all_of(covered.begin(), covered.end(), [](uint32_t c) { return c == 1; }));
    for (uint32_t e = 0; e < cpu.assigned.size(); ++e) {
        INFO("expert " << e << " with " << cpu.assigned[e] << " rows");
        CHECK(tiles_of_expert[e] == (cpu.assigned[e] + ops::kMoeTileRows - 1) / ops::kMoeTileRows);
    }
    size_t nonzero_tail = 0;
    for (; i < plan.tiles.size(); ++i) nonzero_tail += plan.tiles[i] != std::array<uint32_t, 4>{0, 0, 0, 0};
    CHECK(nonzero_tail == 0);
}

// Statistics after `steps` routings, each matching one CPU routing.
void check_stats(const GpuPlan& plan, const std::vector<CpuRouting>& steps, uint32_t experts, uint32_t k,
                 uint32_t tokens_per_step) {
    const ops::MoeStats stats = ops::decode_moe_stats(plan.stats.data(), experts, k);
    uint64_t dropped = 0;
    for (const auto& s : steps) dropped += s.dropped;
    for (uint32_t e = 0; e < experts; ++e) {
        uint64_t chosen = 0, assigned = 0;
        double prob_sum = 0;
        for (const auto& s : steps) {
            chosen += s.chosen[e];
            assigned += s.assigned[e];
            prob_sum += s.prob_sum[e];
        }
        INFO("expert " << e);
        CHECK(stats.chosen[e] == chosen);
        CHECK(stats.assigned[e] == assigned);
        CHECK(relative_difference(stats.prob_sum[e], prob_sum) <=
              kProbTolerance + double(tokens_per_step * steps.size()) * 0x1p-24);
    }
    CHECK(stats.dropped == dropped);
    CHECK(stats.tokens == uint64_t(tokens_per_step) * steps.size());
}

CpuRouting check_routing(const ops::MoeRoutingSpec& spec, const std::vector<float>& logits, uint32_t n) {
    ValidationGuard guard;
    INFO(describe(spec, n));
    REQUIRE(logits.size() == size_t(n) * spec.experts);
    const GpuRouting g = route_on_gpu(spec, logits, n);
    const GpuPlan plan = read_plan(spec, g, n);
    CpuRouting cpu = route_on_cpu(spec, logits, n);
    check_probabilities_and_ranking(plan, cpu);
    check_slots(plan, cpu);
    check_grouped_rows(plan, cpu, spec.top_k);
    check_tiles(plan, cpu);
    check_stats(plan, {cpu}, spec.experts, spec.top_k, n);
    return cpu;
}

std::vector<float> router_logits(uint32_t n, uint32_t experts, uint32_t seed) {
    return random_floats(size_t(n) * experts, seed, -3.f, 3.f);
}

// Logits in [-2, 2] plus `bias` on the listed experts.
std::vector<float> biased_logits(uint32_t n, uint32_t experts, uint32_t seed, std::vector<uint32_t> favoured,
                                 float bias) {
    std::vector<float> l = random_floats(size_t(n) * experts, seed, -2.f, 2.f);
    for (uint32_t t = 0; t < n; ++t)
        for (uint32_t e : favoured) l[size_t(t) * experts + e] += bias;
    return l;
}

uint32_t slots_moved(const CpuRouting& r, uint32_t n, uint32_t experts, uint32_t k) {
    uint32_t moved = 0;
    for (uint32_t t = 0; t < n; ++t)
        for (uint32_t j = 0; j < k; ++j)
            moved += r.expert[size_t(t) * k + j] >= 0 && r.expert[size_t(t) * k + j] != r.ranking[size_t(t) * experts + j];
    return moved;
}

}  // namespace

TEST_CASE("MoE routing: softmax and sigmoid routers, renormalised or not") {
    check_routing(make_spec(8, 2), router_logits(5, 8, 11), 5);
    check_routing(make_spec(8, 2, false, false), router_logits(5, 8, 12), 5);
    check_routing(make_spec(6, 3, true, true), router_logits(7, 6, 13), 7);
    check_routing(make_spec(6, 3, true, false), router_logits(7, 6, 14), 7);
}

TEST_CASE("MoE routing: top-1 and dense (k = experts)") {
    check_routing(make_spec(5, 1), router_logits(9, 5, 21), 9);
    check_routing(make_spec(5, 1, true, false), router_logits(9, 5, 22), 9);
    check_routing(make_spec(4, 4, false, false), router_logits(6, 4, 23), 6);
    check_routing(make_spec(4, 4, true, true), router_logits(6, 4, 24), 6);
}

TEST_CASE("MoE routing: equal logits rank the lower expert first") {
    // Token 0: a three-way tie at the top; token 1: all equal; token 2: ties below the top two.
    const std::vector<float> logits = {1.f,  2.f,  2.f,  0.5f, 2.f,  -1.f,  //
                                       0.f,  0.f,  0.f,  0.f,  0.f,  0.f,   //
                                       3.f,  -1.f, 2.5f, -1.f, -1.f, 0.25f};
    for (bool sigmoid : {false, true}) {
        const CpuRouting r = check_routing(make_spec(6, 3, sigmoid), logits, 3);
        const std::vector<int32_t> expected = {1, 2, 4, 0, 3, 5, 0, 1, 2, 3, 4, 5, 0, 2, 5, 1, 3, 4};
        CHECK(r.ranking == expected);
    }
}

TEST_CASE("MoE routing: experts that receive no tokens") {
    const CpuRouting r = check_routing(make_spec(8, 2), biased_logits(12, 8, 31, {2, 5}, 10.f), 12);
    for (uint32_t e = 0; e < 8; ++e) CHECK(r.assigned[e] == (e == 2 || e == 5 ? 12u : 0u));
}

TEST_CASE("MoE routing: many tokens, several tiles per expert, more slots than one workgroup") {
    // 150 tokens x 2 slots over 3 experts: ~100 rows (two tiles) per expert.
    const CpuRouting r = check_routing(make_spec(3, 2), router_logits(150, 3, 41), 150);
    CHECK(*std::max_element(r.assigned.begin(), r.assigned.end()) > ops::kMoeTileRows);
    // Expert counts that are not powers of two, sigmoid router.
    check_routing(make_spec(7, 2, true, true), router_logits(150, 7, 42), 150);
    check_routing(make_spec(13, 4), router_logits(70, 13, 43), 70);
}

TEST_CASE("MoE routing: more experts than the kernels' workgroups") {
    check_routing(make_spec(300, 8), router_logits(40, 300, 45), 40);
    check_routing(make_spec(ops::kMaxExperts, 4, true, true, 2.0), router_logits(3, ops::kMaxExperts, 46), 3);
}

TEST_CASE("MoE routing: one token") {
    check_routing(make_spec(8, 2), router_logits(1, 8, 51), 1);
    check_routing(make_spec(3, 3, true, false), router_logits(1, 3, 52), 1);
}

TEST_CASE("MoE routing: capacity overflow goes to the next-best expert with room") {
    // Capacity ceil(2.5 * 40 / 4) = 25 per expert; most tokens prefer expert 0.
    const CpuRouting r = check_routing(make_spec(4, 2, false, true, 2.5), biased_logits(40, 4, 61, {0}, 2.f), 40);
    CHECK(slots_moved(r, 40, 4, 2) > 0);
    CHECK(r.dropped == 0);
    // Capacity 13: moved slots, and dropped ones once the experts fill up.
    const CpuRouting tight = check_routing(make_spec(4, 2, false, true, 1.25), biased_logits(40, 4, 64, {0}, 2.f), 40);
    CHECK(slots_moved(tight, 40, 4, 2) > 0);
    CHECK(tight.dropped == 80 - 4 * 13);
    // Sigmoid, not renormalised, 5 experts.
    const CpuRouting s = check_routing(make_spec(5, 2, true, false, 1.0), biased_logits(30, 5, 62, {1, 3}, 1.5f), 30);
    CHECK(slots_moved(s, 30, 5, 2) > 0);
    // Capacity 5 per expert for 80 slots: past 20 slots no expert has room.
    const CpuRouting full = check_routing(make_spec(4, 2, false, true, 0.5), router_logits(40, 4, 63), 40);
    CHECK(full.dropped == 80 - 20);
}

TEST_CASE("MoE routing: capacity overflow with the drop policy") {
    const CpuRouting r = check_routing(make_spec(4, 2, false, true, 1.0, false), biased_logits(40, 4, 71, {0}, 2.f), 40);
    CHECK(r.dropped > 0);
    CHECK(slots_moved(r, 40, 4, 2) == 0);
    const CpuRouting s =
        check_routing(make_spec(6, 3, true, false, 1.0, false), biased_logits(150, 6, 72, {4}, 1.f), 150);
    CHECK(s.dropped > 0);
}

TEST_CASE("MoE routing: sigmoid probabilities that underflow give finite weights, not NaN") {
    // Token 0's logits are so negative that every float32 sigmoid is 0, so its
    // top-k sum is 0; renormalising must not divide by it. Token 1 is ordinary.
    ValidationGuard guard;
    const ops::MoeRoutingSpec spec = make_spec(4, 2, true, true);
    std::vector<float> logits = {-100.f, -120.f, -95.f, -110.f, 0.5f, -1.f, 2.f, 0.25f};
    const GpuRouting g = route_on_gpu(spec, logits, 2);
    const GpuPlan plan = read_plan(spec, g, 2);
    const CpuRouting cpu = route_on_cpu(spec, logits, 2);
    CHECK(plan.slots[0][0] == 2);
    CHECK(plan.slots[1][0] == 0);
    for (size_t s = 0; s < 2; ++s) {
        INFO("slot " << s << " weight " << plan.slot_weight(s));
        CHECK(std::isfinite(plan.slot_weight(s)));
        CHECK(plan.slot_weight(s) >= 0.f);
        CHECK(plan.slot_weight(s) <= 1.f);
    }
    for (size_t s = 2; s < 4; ++s) {
        CHECK(plan.slots[s][0] == cpu.expert[s]);
        CHECK(relative_difference(plan.slot_weight(s), cpu.weight[s]) <= kProbTolerance);
    }
    check_grouped_rows(plan, cpu, spec.top_k);
}

TEST_CASE("MoE routing statistics accumulate over dispatches") {
    ValidationGuard guard;
    const ops::MoeRoutingSpec spec = make_spec(6, 2, false, true, 1.0, false);
    const uint32_t n = 20;
    const auto first = biased_logits(n, 6, 81, {1}, 1.5f), second = router_logits(n, 6, 82);
    GpuRouting g = make_gpu_routing(spec, n);
    auto in1 = make_buffer(first, "router logits 1"), in2 = make_buffer(second, "router logits 2");
    run_once([&](vk::CommandBuffer& c) {
        ops::record_moe_routing(gpu(), c, spec, *in1, *g.buffers, *g.stats, n);
        c.barrier();
        ops::record_moe_routing(gpu(), c, spec, *in2, *g.buffers, *g.stats, n);
    });
    const GpuPlan plan = read_plan(spec, g, n);
    const CpuRouting r1 = route_on_cpu(spec, first, n), r2 = route_on_cpu(spec, second, n);
    CHECK(r1.dropped + r2.dropped > 0);
    check_stats(plan, {r1, r2}, spec.experts, spec.top_k, n);
    // The plan is the second step's.
    check_slots(plan, r2);
    check_grouped_rows(plan, r2, spec.top_k);
}

TEST_CASE("MoE routing rejects expert counts and top-k outside the supported range") {
    CHECK_THROWS_AS(ops::MoeRoutingBuffers(gpu(), make_spec(ops::kMaxExperts + 1, 2), 4), InputError);
    CHECK_THROWS_AS(ops::MoeRoutingBuffers(gpu(), make_spec(0, 1), 4), InputError);
    CHECK_THROWS_WITH_AS(ops::MoeRoutingBuffers(gpu(), make_spec(4, 5), 4), doctest::Contains("top_k"), InputError);
    CHECK_THROWS_AS(ops::MoeRoutingBuffers(gpu(), make_spec(4, 0), 4), InputError);
}

namespace {

constexpr float kSentinel = 1234.5f;

struct StackedWeights {
    std::unique_ptr<vk::Buffer> buffer;
    std::vector<float> values;  // what the GPU decodes, [experts * rows_per_expert, cols]
};

StackedWeights make_stacked(DType type, uint32_t rows, uint32_t cols, uint32_t seed) {
    const WeightData w = random_weights(type, rows, cols, seed);
    return {make_buffer_bytes(w.bytes.data(), w.bytes.size(), std::string("stacked experts ") + dtype_traits(type).name),
            w.values};
}

const char* type_name(DType t) { return dtype_traits(t).name; }

struct ExpertCase {
    DType type;
    uint32_t experts, top_k, n;  // n tokens: up to ops::matvec_max_rows(type) run the matrix-vector kernel, more the matmul
    uint32_t rows_per_expert, cols;
    bool gather;
    double capacity_factor = 0.0;  // with the drop policy: rows of dropped slots stay unused
};

// Returns the number of grouped rows left unused by dropped slots.
uint32_t check_expert_linear(const ExpertCase& c, uint32_t seed,
                             ops::MatmulPrecision precision = ops::MatmulPrecision::F32Activations,
                             double tolerance = -1) {
    ValidationGuard guard;
    INFO(std::string(type_name(c.type)) << " experts=" << c.experts << " k=" << c.top_k << " n=" << c.n
                           << " N=" << c.rows_per_expert << " K=" << c.cols << " gather=" << c.gather
                           << " capacity=" << c.capacity_factor);
    const ops::MoeRoutingSpec spec = make_spec(c.experts, c.top_k, false, true, c.capacity_factor, false);
    const GpuRouting g = route_on_gpu(spec, router_logits(c.n, c.experts, seed), c.n);
    const GpuPlan plan = read_plan(spec, g, c.n);

    // Block formats of 256 values take the case's columns rounded up to whole blocks.
    const uint32_t block = dtype_traits(c.type).block_values;
    const uint32_t rows = c.n * c.top_k, per = c.rows_per_expert, k = (c.cols + block - 1) / block * block;
    const StackedWeights w = make_stacked(c.type, c.experts * per, k, seed + 1);
    const std::vector<float> x = random_floats(size_t(c.gather ? c.n : rows) * k, seed + 2);
    auto in = make_buffer(x, "expert input");
    auto out = make_buffer(std::vector<float>(size_t(rows) * per, kSentinel), "expert output");
    const ops::ExpertMatrix matrix{{w.buffer.get(), 0, c.type, c.experts * per, k}, c.experts};
    run_once([&](vk::CommandBuffer& cmd) {
        ops::record_expert_linear(gpu(), cmd, spec, *in, matrix, *g.buffers, *out, c.n, c.gather, precision);
    });
    const std::vector<float> y = read_buffer(*out, size_t(rows) * per);

    const bool through_f16 = precision == ops::MatmulPrecision::F16Activations && dtype_is_block(c.type);
    std::vector<float> got;
    std::vector<double> expected;
    std::vector<std::array<uint32_t, 2>> where;  // grouped row and column of each checked output
    uint32_t unused = 0;
    size_t touched = 0;
    for (uint32_t r = 0; r < rows; ++r) {
        const int32_t e = plan.grouped_rows[r][1];
        const float* yr = y.data() + size_t(r) * per;
        if (e < 0) {
            ++unused;
            touched += std::count_if(yr, yr + per, [](float v) { return v != kSentinel; });
            continue;
        }
        const float* xr = x.data() + size_t(c.gather ? uint32_t(plan.grouped_rows[r][0]) : r) * k;
        for (uint32_t col = 0; col < per; ++col) {
            // weight_blocks.h's extreme-scale rows decode past f16's range,
            // which f16 tiles cannot carry (as in block_formats_test.cpp).
            if (through_f16 && (size_t(e) * per + col) % 4 == 1) continue;
            const float* wr = w.values.data() + (size_t(e) * per + col) * k;
            double sum = 0;
            for (uint32_t i = 0; i < k; ++i) sum += double(xr[i]) * wr[i];
            expected.push_back(sum);
            got.push_back(yr[col]);
            where.push_back({r, col});
        }
    }
    CHECK(touched == 0);
    if (tolerance < 0) tolerance = 2e-6 * std::sqrt(double(k)) + 1e-6;
    const double error = relative_error(got, expected);
    if (!(error <= tolerance)) {
        // Name the worst output, so that a failure says which tile and column went wrong.
        size_t worst = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            const double d = std::abs(double(got[i]) - expected[i]), dw = std::abs(double(got[worst]) - expected[worst]);
            if (!std::isfinite(got[i]) ? std::isfinite(got[worst]) : d > dw) worst = i;
        }
        if (!got.empty())
            MESSAGE("worst output: grouped row " << where[worst][0] << " (expert " << plan.grouped_rows[where[worst][0]][1]
                                                 << "), column " << where[worst][1] << ": " << got[worst] << " against "
                                                 << expected[worst]);
    }
    CHECK(error <= tolerance);
    return unused;
}

// The K-quants of Q4_K_M files (Q4_K, Q6_K) and Q8_0, besides the floats.
const DType kTypes[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_K, DType::Q6_K};

}  // namespace

TEST_CASE("routed expert matvec (few tokens) matches the CPU") {
    uint32_t seed = 1000;
    for (DType type : kTypes)
        for (bool gather : {true, false}) {
            check_expert_linear({type, 4, 2, 3, 40, 64, gather}, seed += 3);
            check_expert_linear({type, 6, 1, 1, 33, 96, gather}, seed += 3);
            check_expert_linear({type, 5, 3, 4, 70, 288, gather}, seed += 3);
            // Batched decode: tiles of more rows than one matvec workgroup's 8 vectors.
            check_expert_linear({type, 3, 2, 12, 40, 64, gather}, seed += 3);
            check_expert_linear({type, 2, 2, 16, 33, 96, gather}, seed += 3);
        }
}

TEST_CASE("routed expert matmul (more tokens) matches the CPU") {
    uint32_t seed = 1100;
    for (DType type : kTypes)
        for (bool gather : {true, false}) {
            check_expert_linear({type, 4, 2, 20, 40, 64, gather}, seed += 3);
            // ~100 rows per expert (two tiles) and 70 columns (two column tiles).
            check_expert_linear({type, 3, 2, 150, 70, 96, gather}, seed += 3);
        }
}

TEST_CASE("routed expert layers leave the rows of dropped slots untouched") {
    uint32_t seed = 1200;
    for (DType type : kTypes)
        for (uint32_t n : {4u, 24u}) {
            // Capacity ceil(0.5 * n / 4) per expert: about half of the 2n slots drop.
            const uint32_t unused = check_expert_linear({type, 4, 2, n, 36, 64, true, 0.5}, seed += 3);
            CHECK(unused > 0);
        }
}

TEST_CASE("routed expert weights larger than maxStorageBufferRange are bound in windows") {
    // Sized from the device as in linear_test.cpp: 2.5x the limit where that
    // stays small (the weaker-device run has a 1 MiB range), so windows end
    // inside experts; an ordinary shape elsewhere.
    const uint64_t range = gpu().caps().max_storage_buffer_range;
    const uint32_t experts = 4, k = 96;
    uint32_t seed = 1300;
    for (DType type : kTypes) {
        const uint32_t block = dtype_traits(type).block_values;
        const uint64_t row_bytes = weight_bytes(type, 1, (k + block - 1) / block * block);
        const uint32_t per = range <= (8u << 20) ? uint32_t(range * 5 / 2 / row_bytes / experts) : 300;
        MESSAGE("window test: " << std::string(type_name(type)) << ", " << experts << " x " << per << " rows of " << k
                                << ", limit " << range << " bytes");
        // Every token takes every expert, so each window boundary splits an expert that runs.
        check_expert_linear({type, experts, experts, 3, per, k, true}, seed += 3);
        check_expert_linear({type, experts, experts, 8, per, k, false}, seed += 3);
    }
}

TEST_CASE("routed f16 and Q8_0 experts with f16 activations (cooperative matrix where the device has it)") {
    // Activations rounded to f16 where the cooperative-matrix kernel runs:
    // relative error near 2^-11 (see linear_test.cpp), bound 2e-3.
    uint32_t seed = 1400;
    // A block format through the routed cooperative-matrix variant (decoded
    // values rounded to f16 too: the same bound). Both input modes at every
    // shape: one tile per expert, two row tiles and three column tiles per
    // expert (N 130 ends inside a tile), dropped slots.
    for (DType type : {DType::F16, DType::Q8_0})
        for (bool gather : {true, false}) {
            check_expert_linear({type, 4, 2, 40, 70, 96, gather}, seed += 3, ops::MatmulPrecision::F16Activations, 2e-3);
            check_expert_linear({type, 3, 2, 150, 130, 64, gather}, seed += 3, ops::MatmulPrecision::F16Activations,
                                2e-3);
            check_expert_linear({type, 4, 2, 24, 36, 64, gather, 0.5}, seed += 3, ops::MatmulPrecision::F16Activations,
                                2e-3);
        }
}

TEST_CASE("routed expert layer rejects a stack that does not split into the experts") {
    ValidationGuard guard;
    const ops::MoeRoutingSpec spec = make_spec(4, 2);
    const GpuRouting g = make_gpu_routing(spec, 2);
    auto w = make_buffer(random_floats(10 * 8, 1), "odd expert stack");
    auto x = make_buffer(random_floats(2 * 8, 2), "x");
    auto y = make_output(4 * 4, "y");
    const ops::ExpertMatrix uneven{{w.get(), 0, DType::F32, 10, 8}, 4};
    const ops::ExpertMatrix wrong_count{{w.get(), 0, DType::F32, 10, 8}, 5};
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_expert_linear(gpu(), c, spec, *x, uneven, *g.buffers, *y, 2, true),
                      doctest::Contains("odd expert stack"));
    CHECK_THROWS_WITH(ops::record_expert_linear(gpu(), c, spec, *x, wrong_count, *g.buffers, *y, 2, true),
                      doctest::Contains("odd expert stack"));
    c.end();
}

namespace {

enum class Shared { None, Plain, Gated };

// Returns the number of dropped slots.
uint32_t check_combine(const ops::MoeRoutingSpec& spec, uint32_t n, uint32_t hidden, Shared shared, uint32_t seed) {
    ValidationGuard guard;
    INFO(describe(spec, n) << ", hidden " << hidden << ", shared expert " << int(shared));
    const GpuRouting g = route_on_gpu(spec, router_logits(n, spec.experts, seed), n);
    const GpuPlan plan = read_plan(spec, g, n);
    const uint32_t slots = n * spec.top_k, used = plan.used_rows();
    // Rows past the used ones belong to no slot: NaN there must not reach the output.
    std::vector<float> expert_out = random_floats(size_t(slots) * hidden, seed + 1);
    std::fill(expert_out.begin() + size_t(used) * hidden, expert_out.end(), std::numeric_limits<float>::quiet_NaN());
    const std::vector<float> shared_out = random_floats(size_t(n) * hidden, seed + 2);
    const std::vector<float> gate = random_floats(n, seed + 3, -3.f, 3.f);
    auto expert_buffer = make_buffer(expert_out, "expert outputs");
    auto shared_buffer = make_buffer(shared_out, "shared expert output");
    auto gate_buffer = make_buffer(gate, "shared expert gate");
    auto out = make_output(size_t(n) * hidden, "moe output");
    ops::SharedExpert part;
    if (shared != Shared::None) part.out = shared_buffer.get();
    if (shared == Shared::Gated) part.gate_logit = gate_buffer.get();
    run_once([&](vk::CommandBuffer& c) {
        ops::record_moe_combine(gpu(), c, spec, *expert_buffer, *g.buffers, part, *out, n, hidden);
    });

    std::vector<double> expected(size_t(n) * hidden, 0.0);
    for (uint32_t t = 0; t < n; ++t) {
        const double scale = shared == Shared::Gated ? 1.0 / (1.0 + std::exp(-double(gate[t]))) : 1.0;
        for (uint32_t col = 0; col < hidden; ++col) {
            double sum = shared == Shared::None ? 0.0 : scale * shared_out[size_t(t) * hidden + col];
            for (uint32_t j = 0; j < spec.top_k; ++j) {
                const size_t s = size_t(t) * spec.top_k + j;
                if (plan.slots[s][0] < 0) continue;
                sum += double(plan.slot_weight(s)) * expert_out[size_t(plan.slots[s][1]) * hidden + col];
            }
            expected[size_t(t) * hidden + col] = sum;
        }
    }
    CHECK(relative_error(read_buffer(*out, expected.size()), expected) <= 4e-6);
    return slots - used;
}

}  // namespace

TEST_CASE("MoE combine sums slot weights times expert rows per token") {
    for (Shared shared : {Shared::None, Shared::Plain, Shared::Gated}) {
        check_combine(make_spec(8, 2), 5, 70, shared, 1500);
        check_combine(make_spec(4, 4, false, false), 3, 33, shared, 1510);
        check_combine(make_spec(6, 1, true, false), 150, 96, shared, 1520);
    }
}

TEST_CASE("MoE combine: dropped slots add nothing, even where their rows hold NaN") {
    for (Shared shared : {Shared::None, Shared::Plain, Shared::Gated}) {
        CHECK(check_combine(make_spec(4, 2, false, true, 0.5, false), 20, 64, shared, 1600) > 0);
        CHECK(check_combine(make_spec(5, 3, true, false, 0.5, true), 9, 40, shared, 1610) > 0);
    }
}

TEST_CASE("MoE ops reject a step larger than the routing buffers were made for") {
    ValidationGuard guard;
    const ops::MoeRoutingSpec spec = make_spec(4, 2);
    const GpuRouting g = make_gpu_routing(spec, 3);
    auto logits = make_buffer(router_logits(8, 4, 1), "router logits");
    auto w = make_buffer(random_floats(4 * 8 * 16, 2), "expert stack");
    auto x = make_buffer(random_floats(8 * 16, 3), "x");
    auto y = make_output(8 * 2 * 16, "y");
    const ops::ExpertMatrix matrix{{w.get(), 0, DType::F32, 4 * 8, 16}, 4};
    const vk::BufferBinding short_stats{*g.stats, 0, 8};
    vk::CommandBuffer c(gpu());
    c.begin();
    CHECK_THROWS_WITH(ops::record_moe_routing(gpu(), c, spec, *logits, *g.buffers, *g.stats, 8),
                      doctest::Contains("8 tokens"));
    CHECK_THROWS_WITH(ops::record_moe_routing(gpu(), c, make_spec(6, 2), *logits, *g.buffers, *g.stats, 3),
                      doctest::Contains("routing buffers"));
    CHECK_THROWS_WITH(ops::record_moe_routing(gpu(), c, spec, *logits, *g.buffers, short_stats, 3),
                      doctest::Contains("moe stats"));
    CHECK_THROWS_WITH(ops::record_expert_linear(gpu(), c, spec, *x, matrix, *g.buffers, *y, 8, true),
                      doctest::Contains("routing buffers"));
    CHECK_THROWS_WITH(ops::record_moe_combine(gpu(), c, spec, *y, *g.buffers, {}, *y, 8, 16),
                      doctest::Contains("routing buffers"));
    c.end();
}
