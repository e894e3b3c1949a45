#pragma once
// Feed-forward network: plain down(act(up(x))) or gated down(act(gate(x)) * up(x))
// (SwiGLU with SiLU, GEGLU with GELU).
#include <string>

#include "model/config.h"
#include "reference/matrix.h"

namespace vkllm::ref {

// `prefix` names the tensors ("layers.0.ffn", "layers.0.moe.experts.3");
// `intermediate` is the hidden width of this FFN.
Matrix ffn(const FfnConfig& config, const ModelWeights& weights, const std::string& prefix, const Matrix& x,
           size_t intermediate, bool bias);

}  // namespace vkllm::ref
