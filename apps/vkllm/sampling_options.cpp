#include "sampling_options.h"

namespace vkllm::cli {

void add_sampling_options(CLI::App& sub, runtime::SamplingParams& params) {
    params.temperature = 0.8f;
    params.top_k = 40;
    params.repetition_penalty = 1.1f;
    sub.add_option("--temperature", params.temperature, "Sampling temperature (0: greedy)");
    sub.add_option("--top-k", params.top_k, "Keep the k most likely tokens (0: all)");
    sub.add_option("--top-p", params.top_p, "Nucleus sampling mass (1: off)");
    sub.add_option("--min-p", params.min_p, "Drop tokens below min-p times the best (0: off)");
    sub.add_option("--repeat-penalty", params.repetition_penalty, "Repetition penalty (1: off)");
    sub.add_option("--frequency-penalty", params.frequency_penalty, "Frequency penalty");
    sub.add_option("--presence-penalty", params.presence_penalty, "Presence penalty");
    sub.add_option("--seed", params.seed, "Random seed (same seed, same text)");
}

}  // namespace vkllm::cli
