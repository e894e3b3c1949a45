#include "sampling_options.h"

#include <optional>
#include <random>

#include "common/parse_number.h"

namespace vkllm::cli {

void add_sampling_options(CLI::App& sub, runtime::SamplingParams& params) {
    params.temperature = 0.8f;
    params.top_k = 40;
    params.repetition_penalty = 1.1f;
    // A fresh seed per run unless --seed is given; the status line prints it so a run can be repeated.
    params.seed = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
    sub.add_option("--temperature", params.temperature, "Sampling temperature (0: greedy; negative is refused)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                const std::optional<double> t = parse_finite(value);
                if (!t) return "expected a finite number, got '" + value + "'";
                if (*t < 0) return "must be >= 0 (0 means greedy), got " + value;
                return {};
            },
            "", "non-negative"));
    sub.add_option("--top-k", params.top_k, "Keep the k most likely tokens (0: all)");
    sub.add_option("--top-p", params.top_p, "Nucleus sampling mass (1: off)");
    sub.add_option("--min-p", params.min_p, "Drop tokens below min-p times the best (0: off)");
    sub.add_option("--repeat-penalty", params.repetition_penalty, "Repetition penalty (1: off)");
    sub.add_option("--frequency-penalty", params.frequency_penalty, "Frequency penalty");
    sub.add_option("--presence-penalty", params.presence_penalty, "Presence penalty");
    sub.add_option("--seed", params.seed, "Random seed (same seed, same text; the status line shows the one used)")
        ->default_str("random");
}

}  // namespace vkllm::cli
