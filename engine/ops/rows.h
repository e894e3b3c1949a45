#pragma once
// Row-wise kernels: softmax and normalisation, one workgroup per row.
#include <cstdint>

#include "ops/variants.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// y[r, :] = softmax(scale * x[r, :]) for `rows` rows of `cols`.
void record_softmax(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& x, const vk::Buffer& y,
                    uint32_t rows, uint32_t cols, float scale = 1.0f);

struct NormSpec {
    bool layer_norm = false;   // false: RMSNorm
    bool unit_offset = false;  // Gemma: scale by (1 + w)
    float eps = 1e-5f;
    DType weight_type = DType::F32;  // f32 or f16
};

// y = norm(x) * w (+ bias): `bias` may be null (no bias).
void record_norm(vk::Device& device, vk::CommandBuffer& commands, const NormSpec& spec, const vk::Buffer& x,
                 const vk::Buffer& weight, const vk::Buffer* bias, const vk::Buffer& y, uint32_t rows, uint32_t cols);

}  // namespace vkllm::ops
