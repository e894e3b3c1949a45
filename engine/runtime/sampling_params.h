#pragma once
// What the CPU sampler does with a logits vector. The steps run in this order:
// penalties, then greedy pick or temperature, top-k, top-p, min-p, draw.
#include <cstdint>

namespace vkllm::runtime {

struct SamplingParams {
    float temperature = 1.0f;  // <= 0: greedy (argmax, lowest id on ties)
    int32_t top_k = 0;         // keep the k most likely tokens; 0: all
    float top_p = 1.0f;        // keep the smallest most-likely set whose mass reaches p; 1: all
    float min_p = 0.0f;        // drop tokens less likely than min_p times the most likely; 0: none
    // Tokens already in the history: a logit l becomes l / r when positive and
    // l * r otherwise (r > 1 discourages repeats); 1: off.
    float repetition_penalty = 1.0f;
    float frequency_penalty = 0.0f;  // subtracted once per earlier occurrence
    float presence_penalty = 0.0f;   // subtracted once if the token occurred at all
    uint64_t seed = 0;

    bool greedy() const { return temperature <= 0.0f; }
    // Throws InputError naming the first bad field.
    void validate() const;
};

}  // namespace vkllm::runtime
