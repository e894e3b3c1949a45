#pragma once
// Sampling flags shared by the commands that generate text.
#include <CLI/CLI.hpp>

#include "runtime/sampling_params.h"

namespace vkllm::cli {

// Sets the interactive defaults (temperature 0.8, top-k 40, repetition
// penalty 1.1, a random seed) and adds --temperature, --top-k, --top-p,
// --min-p, the three penalties and --seed, all writing into `params`.
void add_sampling_options(CLI::App& sub, runtime::SamplingParams& params);

}  // namespace vkllm::cli
