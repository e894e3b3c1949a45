#pragma once
// CPU sampling of the next token from a logits vector: penalties, greedy or
// temperature / top-k / top-p / min-p, and a seeded draw that is reproducible
// across platforms.
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/sampling_params.h"
#include "runtime/sampling_rng.h"

namespace vkllm::runtime {

struct CandidateWeights;  // sampler.cpp

struct TokenProbability {
    int32_t id;
    double probability;
};

class Sampler {
public:
    // Throws InputError for invalid parameters.
    explicit Sampler(const SamplingParams& params);

    // `history`: the tokens the penalties look at (prompt and/or generated).
    // Throws InputError for an empty vector, NaN logits or all tokens at -inf.
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history = {});

    // For a shortlist already picked elsewhere (e.g. the GPU's top-k): the
    // candidates' ids and logits, in any order. History tokens outside the
    // shortlist are ignored; ties go to the lower id. Where shortlist_decides(),
    // the same seed draws the same token as sample() on the whole row.
    // Returns the chosen id.
    // `vocab`: the row's length (0: the shortlist is all of it).
    int32_t sample_shortlist(std::span<const int32_t> ids, std::span<const float> logits,
                             std::span<const int32_t> history = {}, uint32_t vocab = 0);

    // Whether sample_shortlist() on this shortlist of a row of `vocab` logits
    // draws from exactly the distribution sample() would on the whole row.
    // The shortlist must be the row's best candidates with ties broken toward
    // the lower id (ops::record_topk): every token outside it then has a logit
    // at most the shortlist's lowest, and loses a tie. Penalties that only
    // lower logits cannot lift it, so it is exact when at least as many
    // candidates as the sampler keeps (top-k; one when greedy) still beat every
    // outside token after the penalties. Without top-k it is exact when top-p
    // keeps the same candidates for every normaliser the outside tokens allow,
    // or min-p alone cuts every outside token (their logits are bounded by the
    // shortlist's lowest). false: fetch the row.
    bool shortlist_decides(std::span<const int32_t> ids, std::span<const float> logits,
                           std::span<const int32_t> history, uint32_t vocab) const;

    // The exact distribution sample() draws from, renormalised to sum to 1.
    // Sorted most likely first when top-p is on, otherwise in id order (over
    // the whole vocabulary, sample() walks it most likely first).
    // Greedy: the argmax alone with probability 1.
    std::vector<TokenProbability> distribution(std::span<const float> logits, std::span<const int32_t> history = {}) const;

    const SamplingParams& params() const { return params_; }
    void reseed(uint64_t seed) { rng_.reseed(seed); }

private:
    int32_t draw(const std::vector<TokenProbability>& choices);
    // Temperature over the whole vocabulary: no top-k, top-p or min-p cut it.
    // sample() then walks it most likely first.
    bool whole_vocabulary() const;
    // The shortlist's penalised, temperature-scaled weights against a row
    // with `outside` more tokens (sampler.cpp).
    CandidateWeights weigh_shortlist(std::span<const int32_t> ids, std::span<const float> logits,
                                     std::span<const int32_t> local_history, uint64_t outside) const;

    SamplingParams params_;
    SamplingRng rng_;
};

// Index of the largest value, the lowest index among equals.
int32_t argmax(std::span<const float> values);

}  // namespace vkllm::runtime
