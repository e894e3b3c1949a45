#pragma once
// How many candidates a device-side top-k must hand back for the sampler to
// see everything it could pick; without top-k `most` (the sampler tells per
// row whether the candidates decide: Sampler::shortlist_decides). Penalties
// can pull a candidate below others, so then a margin past top-k is fetched.
#include <cstdint>

#include "runtime/sampling_params.h"

namespace vkllm::runtime {

uint32_t shortlist_size(const SamplingParams& params, uint32_t most);

}  // namespace vkllm::runtime
