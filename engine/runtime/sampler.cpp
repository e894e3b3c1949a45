#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "runtime/sampling_penalties.h"
#include "vkllm/error.h"

namespace vkllm::runtime {

namespace {

std::vector<float> checked_copy(std::span<const float> logits) {
    if (logits.empty()) throw InputError("logits: empty vector");
    for (std::size_t i = 0; i < logits.size(); ++i)
        if (std::isnan(logits[i])) throw InputError("logits: NaN at index " + std::to_string(i));
    return {logits.begin(), logits.end()};
}

struct Scored {
    int32_t id;
    double value;  // scaled logit, then probability
};

// Most likely first; the lower id first among equals, so results never
// depend on the sort algorithm.
bool more_likely(const Scored& a, const Scored& b) { return a.value != b.value ? a.value > b.value : a.id < b.id; }

}  // namespace

int32_t argmax(std::span<const float> values) {
    if (values.empty()) throw InputError("logits: empty vector");
    std::size_t best = 0;
    for (std::size_t i = 1; i < values.size(); ++i)
        if (values[i] > values[best]) best = i;
    return static_cast<int32_t>(best);
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) { params_.validate(); }

std::vector<TokenProbability> Sampler::distribution(std::span<const float> logits, std::span<const int32_t> history) const {
    std::vector<float> work = checked_copy(logits);
    apply_penalties(work, history, params_);

    std::vector<Scored> candidates;
    candidates.reserve(work.size());
    const double inverse_temperature = params_.greedy() ? 1.0 : 1.0 / params_.temperature;
    for (std::size_t i = 0; i < work.size(); ++i)
        if (work[i] > -std::numeric_limits<float>::infinity())
            candidates.push_back({static_cast<int32_t>(i), static_cast<double>(work[i]) * inverse_temperature});
    if (candidates.empty()) throw InputError("logits: every token is masked (-inf)");

    if (params_.greedy()) return {{argmax(work), 1.0}};

    const bool top_p_on = params_.top_p < 1.0f;
    const bool top_k_cuts = params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < candidates.size();
    if (top_k_cuts) {
        const auto kth = candidates.begin() + params_.top_k;
        std::nth_element(candidates.begin(), kth - 1, candidates.end(), more_likely);
        candidates.erase(kth, candidates.end());
    }

    double max_value = -std::numeric_limits<double>::infinity();
    for (const Scored& c : candidates) max_value = std::max(max_value, c.value);
    double total = 0.0;
    for (Scored& c : candidates) total += (c.value = std::exp(c.value - max_value));
    double max_probability = 0.0;
    for (Scored& c : candidates) max_probability = std::max(max_probability, c.value /= total);

    if (top_p_on) {
        // Sorting a whole vocabulary per token is slow, and the top-p set is
        // usually small: sort a growing head until its mass reaches top_p.
        std::size_t head = std::min<std::size_t>(candidates.size(), 256);
        for (;;) {
            std::partial_sort(candidates.begin(), candidates.begin() + head, candidates.end(), more_likely);
            // Keep each token while the mass before it is still short of top_p.
            double mass = 0.0;
            std::size_t keep = 0;
            while (keep < head && mass < params_.top_p) mass += candidates[keep++].value;
            if (mass >= params_.top_p || head == candidates.size()) {
                candidates.resize(std::max<std::size_t>(keep, 1));
                break;
            }
            head = std::min(candidates.size(), head * 4);
        }
    } else if (top_k_cuts) {
        std::sort(candidates.begin(), candidates.end(), [](const Scored& a, const Scored& b) { return a.id < b.id; });
    }
    if (params_.min_p > 0.0f) {
        const double threshold = params_.min_p * max_probability;
        std::erase_if(candidates, [&](const Scored& c) { return c.value < threshold; });
    }

    total = 0.0;
    for (const Scored& c : candidates) total += c.value;
    std::vector<TokenProbability> result;
    result.reserve(candidates.size());
    for (const Scored& c : candidates) result.push_back({c.id, c.value / total});
    return result;
}

int32_t Sampler::draw(const std::vector<TokenProbability>& choices) {
    if (choices.size() == 1) return choices.front().id;
    const double u = rng_.next_double();
    double cumulative = 0.0;
    for (const TokenProbability& choice : choices) {
        cumulative += choice.probability;
        if (u < cumulative) return choice.id;
    }
    return choices.back().id;  // rounding left u just above the last sum
}

bool Sampler::whole_vocabulary() const {
    return !params_.greedy() && params_.top_k <= 0 && params_.top_p >= 1.0f && params_.min_p <= 0.0f;
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
    std::vector<TokenProbability> choices = distribution(logits, history);
    if (!whole_vocabulary() || choices.size() == 1) return draw(choices);
    // The whole vocabulary: walked most likely first, so that a draw that
    // lands among the best tokens can be told from the GPU's candidates
    // alone (shortlist_decides). The usual draw lands in a short head: sort a
    // growing one until the mass reaches u.
    const double u = rng_.next_double();
    auto likelier = [](const TokenProbability& a, const TokenProbability& b) {
        return a.probability != b.probability ? a.probability > b.probability : a.id < b.id;
    };
    std::size_t head = std::min<std::size_t>(choices.size(), 256);
    for (;;) {
        std::partial_sort(choices.begin(), choices.begin() + head, choices.end(), likelier);
        double cumulative = 0.0;
        for (std::size_t i = 0; i < head; ++i)
            if (u < (cumulative += choices[i].probability)) return choices[i].id;
        if (head == choices.size()) return choices[head - 1].id;  // rounding left u just above the last sum
        head = std::min(choices.size(), head * 4);
    }
}

namespace {
void check_shortlist(std::span<const int32_t> ids, std::span<const float> logits) {
    if (ids.size() != logits.size())
        throw InputError("sampling shortlist: " + std::to_string(ids.size()) + " ids but " + std::to_string(logits.size()) +
                         " logits");
}

// The history as positions in the shortlist (tokens outside it dropped).
std::vector<int32_t> shortlist_history(std::span<const int32_t> ids, std::span<const float> logits,
                                       std::span<const int32_t> history) {
    check_shortlist(ids, logits);
    std::unordered_map<int32_t, int32_t> position;
    for (std::size_t i = 0; i < ids.size(); ++i) position.emplace(ids[i], static_cast<int32_t>(i));
    std::vector<int32_t> local_history;
    for (int32_t id : history)
        if (auto it = position.find(id); it != position.end()) local_history.push_back(it->second);
    return local_history;
}
}  // namespace

// A shortlist without top-k against its row: the candidates' weights
// e^(scaled - max), most likely first (ties: lower id), and the interval the
// row's normaliser Z lies in. Every one of the `outside` other tokens has a
// scaled logit of at most `bound_scaled` (penalties only lowered logits:
// raising ones never get here), so Z is in [Zc, Zc + outside * e^(bound -
// max)], Zc the candidates' own, widened by a relative 1e-9 for the rounding
// of the whole row's sums. A decision that holds at both ends holds for the
// row.
struct CandidateWeights {
    struct Weight {
        int32_t id;
        double weight;
        std::size_t index;  // in the shortlist
    };
    std::vector<Weight> best_first;
    double outside_best = 0;  // an outside token's weight at most; the best candidate's is 1
    double z_low = 0, z_high = 0;
};

namespace {

CandidateWeights weigh(std::span<const float> scaled, std::span<const int32_t> ids, double bound_scaled,
                       uint64_t outside) {
    constexpr double kSlack = 1e-9;
    const double max_value = *std::max_element(scaled.begin(), scaled.end());
    CandidateWeights c;
    for (std::size_t i = 0; i < scaled.size(); ++i) c.best_first.push_back({ids[i], std::exp(double(scaled[i]) - max_value), i});
    std::sort(c.best_first.begin(), c.best_first.end(), [](const auto& a, const auto& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.id < b.id;
    });
    double total = 0.0;
    for (const auto& w : c.best_first) total += w.weight;
    c.outside_best = outside ? std::exp(bound_scaled - max_value) : 0.0;
    c.z_low = outside ? total * (1 - kSlack) : total;
    c.z_high = outside ? (total + double(outside) * c.outside_best) * (1 + kSlack) : total;
    return c;
}

// Top-p keeps the most likely tokens while their mass is short of top_p:
// decided when that count is the same at both ends of the normaliser's
// interval and reached inside the candidates. Min-p alone keeps tokens of at
// least min_p times the best probability, whatever Z: decided when no
// outside token can reach that.
bool nucleus_inside(const CandidateWeights& c, float top_p, float min_p) {
    if (top_p >= 1.0f) return min_p > 0.0f && c.outside_best * (1 + 1e-9) < min_p;
    auto kept = [&](double z) {  // the whole-row loop: keep while the mass before is short of top_p
        double mass = 0.0;
        std::size_t keep = 0;
        while (keep < c.best_first.size() && mass < top_p) mass += c.best_first[keep++].weight / z;
        return mass < top_p ? c.best_first.size() + 1 : keep;  // past the candidates: undecided
    };
    const std::size_t low = kept(c.z_low);
    return low <= c.best_first.size() && low == kept(c.z_high);
}

// The whole-vocabulary draw at `u` (sample(): most likely first): the first
// token whose cumulative weight passes u * Z, when that is the same candidate
// at both ends of the normaliser's interval. Its index in the shortlist, or
// -1. With no outside token, always the draw (rounding past the end: the last).
int32_t whole_vocabulary_pick(const CandidateWeights& c, double u) {
    const bool whole = c.outside_best == 0.0;
    auto pick = [&](double z) -> std::ptrdiff_t {
        double cumulative = 0.0;
        for (std::size_t i = 0; i < c.best_first.size(); ++i)
            if (u * z < (cumulative += c.best_first[i].weight)) return std::ptrdiff_t(i);
        return whole ? std::ptrdiff_t(c.best_first.size()) - 1 : -1;
    };
    const std::ptrdiff_t low = pick(c.z_low);
    return low >= 0 && low == pick(c.z_high) ? int32_t(c.best_first[std::size_t(low)].index) : -1;
}

}  // namespace

CandidateWeights Sampler::weigh_shortlist(std::span<const int32_t> ids, std::span<const float> logits,
                                          std::span<const int32_t> local_history, uint64_t outside) const {
    std::vector<float> work = checked_copy(logits);
    apply_penalties(work, local_history, params_);
    for (float& v : work) v /= params_.temperature;
    const float bound = *std::min_element(logits.begin(), logits.end());
    return weigh(work, ids, double(bound) / params_.temperature, outside);
}

int32_t Sampler::sample_shortlist(std::span<const int32_t> ids, std::span<const float> logits,
                                  std::span<const int32_t> history, uint32_t vocab) {
    check_shortlist(ids, logits);
    const uint64_t outside = vocab > ids.size() ? vocab - ids.size() : 0;
    if (whole_vocabulary() && (ids.size() > 1 || outside > 0)) {
        // As sample() walks the whole row: most likely first (shortlist_decides said it decides this draw).
        const int32_t pick = whole_vocabulary_pick(weigh_shortlist(ids, logits, shortlist_history(ids, logits, history), outside),
                                                   rng_.next_double());
        if (pick < 0) throw Error("sampling shortlist: the candidates do not decide this draw (ask shortlist_decides first)");
        return ids[std::size_t(pick)];
    }
    // In vocabulary order, so that the draw walks the candidates, and ties
    // break, as sample() on the whole row does: one seed, one token, whichever
    // way the row came back.
    std::vector<std::size_t> order(ids.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
    std::vector<int32_t> sorted_ids(ids.size());
    std::vector<float> sorted_logits(ids.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        sorted_ids[i] = ids[order[i]];
        sorted_logits[i] = logits[order[i]];
    }
    return sorted_ids[draw(distribution(sorted_logits, shortlist_history(sorted_ids, sorted_logits, history)))];
}


bool Sampler::shortlist_decides(std::span<const int32_t> ids, std::span<const float> logits,
                                std::span<const int32_t> history, uint32_t vocab) const {
    const std::vector<int32_t> local_history = shortlist_history(ids, logits, history);
    if (ids.size() >= vocab) return true;
    if (logits.empty()) return false;
    if (params_.repetition_penalty < 1.0f || params_.frequency_penalty < 0.0f || params_.presence_penalty < 0.0f)
        return false;  // a penalty that raises logits can lift a token from outside
    const uint32_t keep = params_.greedy() ? 1u : uint32_t(std::max(params_.top_k, 0));
    if (keep == 0) {
        const CandidateWeights weights = weigh_shortlist(ids, logits, local_history, vocab - ids.size());
        if (!whole_vocabulary()) return nucleus_inside(weights, params_.top_p, params_.min_p);  // top-p or min-p cut the row
        SamplingRng next = rng_;  // the draw sample_shortlist will make
        return whole_vocabulary_pick(weights, next.next_double()) >= 0;
    }
    const float bound = *std::min_element(logits.begin(), logits.end());
    std::vector<float> work = checked_copy(logits);
    apply_penalties(work, local_history, params_);
    // A candidate the penalties left alone beats every outside token (logit at
    // most the bound, and on a tie a higher id: the top-k breaks ties toward
    // the lower id); a lowered one only if it stays strictly above the bound.
    uint32_t safe = 0;
    for (std::size_t i = 0; i < work.size(); ++i) safe += work[i] >= logits[i] || work[i] > bound;
    return safe >= keep;
}

}  // namespace vkllm::runtime
