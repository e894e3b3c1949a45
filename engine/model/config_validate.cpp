#include "model/config.h"
#include "vkllm/error.h"
namespace vkllm {
// Placeholder until the config work lands; replaced by the full checks.
void validate(const ModelConfig&) {}
}  // namespace vkllm
