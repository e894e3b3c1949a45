#pragma once
// What the forward suite's tests share: one Vulkan device (validation and
// limits from the environment), a guard that fails the enclosing test on any
// validation message, and token-by-token decode through a forward pass.
#include <cstddef>
#include <cstdint>
#include <vector>

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

// Feeds `ids` one step each and returns every step's logits row, concatenated.
std::vector<float> decode_rows(plan::GpuForward& forward, const std::vector<int32_t>& ids);
// Prefills `prompt`, then picks the highest logit `count` times, feeding each pick back.
std::vector<int32_t> greedy_tokens(plan::GpuForward& forward, const std::vector<int32_t>& prompt, size_t count);

}  // namespace vkllm::test
