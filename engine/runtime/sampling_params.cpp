#include "runtime/sampling_params.h"

#include <cmath>
#include <string>

#include "vkllm/error.h"

namespace vkllm::runtime {

void SamplingParams::validate() const {
    auto fail = [](const char* field, const std::string& what) {
        throw InputError(std::string("sampling parameter ") + field + ": " + what);
    };
    if (!std::isfinite(temperature)) fail("temperature", "must be a finite number");
    if (top_k < 0) fail("top_k", "must be >= 0, got " + std::to_string(top_k));
    if (!(top_p > 0.0f && top_p <= 1.0f)) fail("top_p", "must be in (0, 1], got " + std::to_string(top_p));
    if (!(min_p >= 0.0f && min_p <= 1.0f)) fail("min_p", "must be in [0, 1], got " + std::to_string(min_p));
    if (!(repetition_penalty > 0.0f) || !std::isfinite(repetition_penalty))
        fail("repetition_penalty", "must be > 0, got " + std::to_string(repetition_penalty));
    if (!std::isfinite(frequency_penalty)) fail("frequency_penalty", "must be a finite number");
    if (!std::isfinite(presence_penalty)) fail("presence_penalty", "must be a finite number");
}

}  // namespace vkllm::runtime
