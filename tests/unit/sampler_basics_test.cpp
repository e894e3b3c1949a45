// Greedy picks, penalties, seeding and input checks of the CPU sampler.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "runtime/sampler.h"
#include "runtime/shortlist.h"
#include "runtime/sampling_penalties.h"
#include "vkllm/error.h"

namespace {
using vkllm::runtime::Sampler;
using vkllm::runtime::SamplingParams;

SamplingParams greedy() {
    SamplingParams p;
    p.temperature = 0.0f;
    return p;
}
}  // namespace

TEST_CASE("sampler greedy: argmax, lowest id on ties, masked tokens ignored") {
    Sampler sampler(greedy());
    CHECK(sampler.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}) == 1);
    CHECK(sampler.sample(std::vector<float>{1.0f, 5.0f, 5.0f}) == 1);
    const float inf = std::numeric_limits<float>::infinity();
    CHECK(sampler.sample(std::vector<float>{-inf, -7.5f, -inf}) == 1);
    const auto d = sampler.distribution(std::vector<float>{0.5f, -0.5f});
    REQUIRE(d.size() == 1);
    CHECK(d[0].id == 0);
    CHECK(d[0].probability == 1.0);
}

TEST_CASE("sampler penalties: repetition, frequency and presence") {
    SamplingParams p;
    p.repetition_penalty = 2.0f;
    p.frequency_penalty = 0.5f;
    p.presence_penalty = 0.25f;
    std::vector<float> logits{2.0f, -1.0f, 0.5f};
    const std::vector<int32_t> history{0, 1, 1};
    vkllm::runtime::apply_penalties(logits, history, p);
    // Exact in float: halving/doubling and adding multiples of 1/4.
    CHECK(logits[0] == 2.0f / 2.0f - 0.5f - 0.25f);
    CHECK(logits[1] == -1.0f * 2.0f - 2 * 0.5f - 0.25f);
    CHECK(logits[2] == 0.5f);

    SamplingParams g = greedy();
    g.repetition_penalty = 1.5f;
    Sampler sampler(g);
    const std::vector<float> close{2.0f, 1.8f};
    CHECK(sampler.sample(close) == 0);
    CHECK(sampler.sample(close, std::vector<int32_t>{0}) == 1);  // 2.0 / 1.5 < 1.8
}

TEST_CASE("sampler seeding: same seed same tokens, other seed other tokens") {
    const std::vector<float> logits{0.3f, 0.2f, 0.1f, -0.1f, -0.2f, -0.3f, 0.05f, -0.05f};
    SamplingParams p;
    p.seed = 42;
    auto run = [&](uint64_t seed) {
        p.seed = seed;
        Sampler sampler(p);
        std::vector<int32_t> out;
        for (int i = 0; i < 64; ++i) out.push_back(sampler.sample(logits));
        return out;
    };
    CHECK(run(42) == run(42));
    CHECK(run(42) != run(43));
    // The generator's first outputs are fixed for all platforms.
    vkllm::runtime::SamplingRng rng(0);
    const uint64_t first = rng.next_u64();
    vkllm::runtime::SamplingRng again(0);
    CHECK(again.next_u64() == first);
    CHECK(first != 0);
}

TEST_CASE("sampler truncation keeps at least the most likely token") {
    SamplingParams p;
    p.top_p = 1e-6f;
    Sampler sampler(p);
    for (int i = 0; i < 20; ++i) CHECK(sampler.sample(std::vector<float>{0.1f, 0.4f, 0.2f}) == 1);
    p.top_p = 1.0f;
    p.min_p = 1.0f;
    CHECK(Sampler(p).distribution(std::vector<float>{0.1f, 0.4f, 0.2f}).size() == 1);
}

TEST_CASE("sampler on a large vocabulary with top-k") {
    std::vector<float> logits(151669);
    for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(0.37f * static_cast<float>(i)) * 4.0f + 0.01f;
    SamplingParams p;
    p.top_k = 40;
    p.top_p = 0.95f;
    p.seed = 5;
    Sampler sampler(p);
    const auto d = sampler.distribution(logits);
    CHECK(d.size() <= 40);
    for (std::size_t i = 1; i < d.size(); ++i) CHECK(d[i - 1].probability >= d[i].probability);
    const int32_t id = sampler.sample(logits);
    CHECK(logits[id] >= logits[d.back().id]);
}

TEST_CASE("sampler top-p on a whole large vocabulary matches a full sort") {
    // Peaked logits, as a language model gives: the top-p set is small.
    std::vector<float> logits(151669);
    for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = -0.001f * static_cast<float>((i * 7919) % 151669) + 0.5f;
    logits[1234] = 9.0f;
    logits[77] = 8.5f;
    SamplingParams p;
    p.top_p = 0.9f;
    const auto d = Sampler(p).distribution(logits);
    // Reference: exact softmax, full sort, cumulative cut.
    std::vector<double> prob(logits.size());
    double sum = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) sum += prob[i] = std::exp(static_cast<double>(logits[i]) - 9.0);
    std::vector<int32_t> order(logits.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return prob[a] > prob[b]; });
    double mass = 0;
    std::size_t keep = 0;
    while (mass < 0.9 * sum) mass += prob[order[keep++]];
    REQUIRE(d.size() == keep);
    for (std::size_t i = 0; i < keep; ++i) CHECK(d[i].id == order[i]);
}

TEST_CASE("sampler rejects bad input with InputError") {
    Sampler sampler{SamplingParams{}};
    CHECK_THROWS_AS(sampler.sample(std::vector<float>{}), vkllm::InputError);
    CHECK_THROWS_WITH_AS(sampler.sample(std::vector<float>{1.0f, std::nanf("")}), doctest::Contains("NaN at index 1"),
                         vkllm::InputError);
    const float inf = std::numeric_limits<float>::infinity();
    CHECK_THROWS_AS(sampler.sample(std::vector<float>{-inf, -inf}), vkllm::InputError);
    SamplingParams penalised;
    penalised.presence_penalty = 1.0f;
    CHECK_THROWS_WITH_AS(Sampler(penalised).sample(std::vector<float>{1.0f, 2.0f}, std::vector<int32_t>{2}),
                         doctest::Contains("token id 2"), vkllm::InputError);
    SamplingParams bad;
    bad.top_p = 0.0f;
    CHECK_THROWS_WITH_AS(Sampler{bad}, doctest::Contains("top_p"), vkllm::InputError);
    bad = SamplingParams{};
    bad.top_k = -1;
    CHECK_THROWS_WITH_AS(Sampler{bad}, doctest::Contains("top_k"), vkllm::InputError);
    bad = SamplingParams{};
    bad.repetition_penalty = 0.0f;
    CHECK_THROWS_WITH_AS(Sampler{bad}, doctest::Contains("repetition_penalty"), vkllm::InputError);
}

TEST_CASE("sampler on a shortlist maps back to vocabulary ids") {
    SamplingParams g = greedy();
    g.repetition_penalty = 2.0f;
    Sampler sampler(g);
    const std::vector<int32_t> ids{90210, 17, 4242};
    const std::vector<float> logits{1.0f, 3.0f, 2.0f};
    CHECK(sampler.sample_shortlist(ids, logits) == 17);
    // 17 was seen: 3.0 / 2 = 1.5 < 2.0. History ids off the shortlist are ignored.
    CHECK(sampler.sample_shortlist(ids, logits, std::vector<int32_t>{17, 123456789}) == 4242);
    CHECK_THROWS_AS(sampler.sample_shortlist(ids, std::vector<float>{1.0f}), vkllm::InputError);

    SamplingParams p;
    p.top_k = 1;
    Sampler top1(p);
    for (int i = 0; i < 10; ++i) CHECK(top1.sample_shortlist(ids, logits) == 17);
}

TEST_CASE("a shortlist decides the draw only when no token outside it can be picked") {
    const std::vector<int32_t> ids{7, 3, 9, 1};
    const std::vector<float> logits{4.0f, 3.0f, 2.0f, 1.0f};  // outside tokens: at most 1.0
    SamplingParams top2;
    top2.top_k = 2;
    CHECK(Sampler(top2).shortlist_decides(ids, logits, {}, 100));
    CHECK(Sampler(greedy()).shortlist_decides(ids, logits, {}, 100));
    // The whole vocabulary in the shortlist: always.
    SamplingParams full;
    CHECK(Sampler(full).shortlist_decides(ids, logits, {}, 4));
    // No top-k, temperature over the whole row, and 99 996 outside tokens at
    // most at the bound: they may hold most of the mass, so the draw is not decided.
    CHECK_FALSE(Sampler(full).shortlist_decides(ids, logits, {}, 100000));
    SamplingParams nucleus;
    nucleus.top_p = 0.5f;
    CHECK_FALSE(Sampler(nucleus).shortlist_decides(ids, logits, {}, 100));
    // Penalties: 7 and 3 seen, pushed to 4 - 3.5 = 0.5 and 3 - 3.5 = -0.5, under
    // the bound; 9 and 1 (untouched) still beat every outside token, so top-2
    // and greedy are decided, top-3 is not.
    SamplingParams penalised = top2;
    penalised.presence_penalty = 3.5f;
    const std::vector<int32_t> seen{7, 3};
    CHECK(Sampler(penalised).shortlist_decides(ids, logits, seen, 100));
    penalised.top_k = 3;
    CHECK_FALSE(Sampler(penalised).shortlist_decides(ids, logits, seen, 100));
    SamplingParams penalised_greedy = greedy();
    penalised_greedy.presence_penalty = 3.5f;
    CHECK(Sampler(penalised_greedy).shortlist_decides(ids, logits, seen, 100));
    // A penalty that raises logits (negative presence, repetition below 1) may lift an outside token.
    SamplingParams lifting = greedy();
    lifting.presence_penalty = -1.0f;
    CHECK_FALSE(Sampler(lifting).shortlist_decides(ids, logits, seen, 100));
    lifting.presence_penalty = 0.0f;
    lifting.repetition_penalty = 0.5f;
    CHECK_FALSE(Sampler(lifting).shortlist_decides(ids, logits, seen, 100));
    // A shortlist of exactly the k kept tokens decides while the penalties leave them alone.
    SamplingParams top4 = top2;
    top4.top_k = 4;
    CHECK(Sampler(top4).shortlist_decides(ids, logits, {}, 100));
    // Ties at the bound: an untouched candidate wins them (an outside token
    // there has a higher id); one lowered onto the bound does not.
    const std::vector<float> flat{1.0f, 1.0f, 1.0f, 1.0f};
    CHECK(Sampler(greedy()).shortlist_decides(ids, flat, {}, 100));
    SamplingParams lowered_onto_bound = top4;
    lowered_onto_bound.presence_penalty = 1.0f;
    const std::vector<float> above{2.0f, 1.5f, 1.2f, 1.0f};
    CHECK_FALSE(Sampler(lowered_onto_bound).shortlist_decides(ids, above, std::vector<int32_t>{7}, 100));  // 2 - 1 = 1.0
    CHECK_THROWS_AS(Sampler(greedy()).shortlist_decides(ids, std::vector<float>{1.0f}, {}, 100), vkllm::InputError);
}

TEST_CASE("a deciding shortlist draws, seed for seed, the token the whole row gives") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> logit(-4.0f, 4.0f);
    std::vector<float> row(64);
    for (float& v : row) v = logit(rng);
    row[10] = row[11] = 5.0f;  // a tie among the best: the lower id first on both paths
    // The 24 best, best first, as the GPU's top-k hands them back.
    std::vector<int32_t> ids(row.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = int32_t(i);
    std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
    ids.resize(24);
    std::vector<float> logits;
    for (int32_t id : ids) logits.push_back(row[id]);
    const std::vector<int32_t> history{ids[0], ids[3], 60};
    for (const auto& [top_k, top_p, penalty] : {std::tuple{8, 1.0f, 0.0f}, std::tuple{8, 0.7f, 0.0f},
                                               std::tuple{5, 1.0f, 0.5f}, std::tuple{1, 1.0f, 0.0f}}) {
        SamplingParams p;
        p.temperature = 1.3f;
        p.top_k = top_k;
        p.top_p = top_p;
        p.presence_penalty = penalty;
        p.seed = 99;
        CAPTURE(top_k);
        CAPTURE(top_p);
        Sampler whole(p), shortlisted(p);
        REQUIRE(shortlisted.shortlist_decides(ids, logits, history, uint32_t(row.size())));
        for (int i = 0; i < 200; ++i) CHECK(shortlisted.sample_shortlist(ids, logits, history) == whole.sample(row, history));
    }
}

TEST_CASE("without top-k, a shortlist decides top-p and min-p when the outside tokens cannot change what they keep") {
    // Two strong candidates, two weak ones; the 96 outside tokens at most at the weakest (2.0).
    const std::vector<int32_t> ids{40, 7, 93, 12};
    const std::vector<float> logits{10.0f, 9.5f, 3.0f, 2.0f};
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> low(-4.0f, 2.0f);
    std::vector<float> row(100);
    for (float& v : row) v = low(rng);
    for (size_t i = 0; i < ids.size(); ++i) row[size_t(ids[i])] = logits[i];
    SamplingParams nucleus;
    nucleus.top_p = 0.9f;  // keeps 40 and 7 for every normaliser the outside tokens allow
    SamplingParams cut;
    cut.min_p = 0.05f;  // an outside token weighs at most e^-8 of the best
    SamplingParams both = nucleus;
    both.min_p = 0.5f;  // 7 at e^-0.5 = 0.61 of the best stays
    for (SamplingParams p : {nucleus, cut, both}) {
        CAPTURE(p.top_p);
        CAPTURE(p.min_p);
        REQUIRE(Sampler(p).shortlist_decides(ids, logits, {}, 100));
        CHECK(shortlist_size(p, 256) == 256);
        for (uint64_t seed = 1; seed <= 200; ++seed) {
            p.seed = seed;
            Sampler whole(p), shortlisted(p);
            CHECK(shortlisted.sample_shortlist(ids, logits, {}, 100) == whole.sample(row));
        }
    }
    // Top-p whose nucleus reaches past the candidates, or could for some normaliser: the row is read whole.
    SamplingParams wide;
    wide.top_p = 0.999f;
    CHECK_FALSE(Sampler(wide).shortlist_decides(ids, logits, {}, 100));
    const std::vector<float> flat{2.5f, 2.4f, 2.2f, 2.0f};
    CHECK_FALSE(Sampler(nucleus).shortlist_decides(ids, flat, {}, 100));
    // Min-p an outside token could still pass.
    SamplingParams loose;
    loose.min_p = 1e-4f;
    CHECK_FALSE(Sampler(loose).shortlist_decides(ids, logits, {}, 100));
    // Temperature alone over the whole row: decided for a draw that lands among
    // the candidates for every normaliser; then the same token as the whole row.
    SamplingParams plain;
    CHECK(shortlist_size(plain, 256) == 256);
    int decided = 0;
    for (uint64_t seed = 1; seed <= 300; ++seed) {
        plain.seed = seed;
        Sampler whole(plain), shortlisted(plain);
        if (!shortlisted.shortlist_decides(ids, logits, {}, 100)) continue;
        ++decided;
        CHECK(shortlisted.sample_shortlist(ids, logits, {}, 100) == whole.sample(row));
        // The next draw too: both consumed one number.
        if (shortlisted.shortlist_decides(ids, logits, {}, 100))
            CHECK(shortlisted.sample_shortlist(ids, logits, {}, 100) == whole.sample(row));
    }
    CHECK(decided > 250);  // the candidates hold all but ~2% of the mass
    // Penalties that only lower stay exact: 40 seen and pushed down, 7 then leads.
    SamplingParams penalised = nucleus;
    penalised.presence_penalty = 2.0f;
    const std::vector<int32_t> seen{40};
    REQUIRE(Sampler(penalised).shortlist_decides(ids, logits, seen, 100));
    for (uint64_t seed = 1; seed <= 100; ++seed) {
        penalised.seed = seed;
        Sampler whole(penalised), shortlisted(penalised);
        CHECK(shortlisted.sample_shortlist(ids, logits, seen, 100) == whole.sample(row, seen));
    }
}
