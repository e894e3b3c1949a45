#pragma once
// Top-k candidates of logits rows, so that sampling reads back k pairs per row
// instead of the whole vocabulary.
#include <cstdint>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

// Largest k record_topk accepts.
constexpr uint32_t kMaxTopK = 256;

// Bytes of scratch record_topk needs for these sizes (k clamped to vocab).
uint64_t topk_scratch_bytes(const vk::DeviceCaps& caps, uint32_t rows, uint32_t vocab, uint32_t k);

// For each of `rows` rows of `vocab` f32 logits, writes the k best ids (int32)
// and their values (f32) to out_ids[r, 0..k) and out_values[r, 0..k), ordered
// by value descending, equal values by lower id first. NaN logits count as
// -inf. When k > vocab the slots past vocab hold id -1 and value -inf.
// k must be in [1, kMaxTopK] (InputError otherwise). Records two passes with a
// barrier between them; callers put barriers before and after.
void record_topk(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& logits,
                 const vk::Buffer& out_ids, const vk::Buffer& out_values, uint32_t rows, uint32_t vocab, uint32_t k,
                 const vk::Buffer& scratch);

}  // namespace vkllm::ops
