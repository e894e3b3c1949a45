#pragma once
// What the forward suite's tests share: one Vulkan device (validation and
// limits from the environment), a guard that fails the enclosing test on any
// validation message, and token-by-token decode through a forward pass.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/load.h"
#include "plan/forward.h"
#include "vk/device.h"

namespace vkllm::test {

vk::Device& forward_device();

class ValidationCheck {
public:
    ValidationCheck();
    ~ValidationCheck();

private:
    size_t start_;
};

// A small model (vocab 97, hidden 48, 2 layers, 6/2 heads) with `extra` TOML
// tables; its [ffn] table, given or not, gets intermediate_size = 80.
std::string small_model_toml(const std::string& extra);

// Feeds `ids` one step each and returns every step's logits row, concatenated.
std::vector<float> decode_rows(plan::GpuForward& forward, const std::vector<int32_t>& ids);
// `count` greedy tokens after `prompt`: one request through the engine's
// generation loop over a GPU forward pass built with `options`.
std::vector<int32_t> greedy_tokens(const LoadedModel& model, const plan::ForwardOptions& options,
                                   const std::vector<int32_t>& prompt, size_t count);

}  // namespace vkllm::test
