#pragma once
// How many candidates a device-side top-k must hand back for the sampler to
// see everything it could pick: 0 when it needs the whole row (temperature
// over the whole vocabulary), `most` for top-p or min-p alone (the sampler
// then tells per row whether they hold its nucleus). Penalties can pull a
// candidate below others, so then a margin past top-k is fetched.
#include <cstdint>

#include "runtime/sampling_params.h"

namespace vkllm::runtime {

uint32_t shortlist_size(const SamplingParams& params, uint32_t most);

}  // namespace vkllm::runtime
