#pragma once
// Linear layers of routed experts: grouped row r of a routing plan
// (ops/moe.h) is multiplied by its own expert's matrix. Expert matrices are
// stacked, expert-major, into one matrix of experts * rows_per_expert rows, so
// one dispatch serves every expert and reads only the chosen experts' weights.
// A few tokens (decode, batched decode) run the matrix-vector kernel per tile
// of the plan, reading an expert's weight rows once for all its rows there;
// more run the tiled matmul over the same tiles. Stacks larger than
// maxStorageBufferRange are bound in windows of rows, one dispatch each.
#include <cstdint>

#include "ops/linear.h"
#include "ops/moe.h"

namespace vkllm::ops {

struct ExpertMatrix {
    WeightMatrix stacked;  // rows = experts * rows_per_expert
    uint32_t experts = 0;
    uint32_t rows_per_expert() const { return experts ? stacked.rows / experts : 0; }
};

// out[r, :] = in[gather ? token(r) : r, :] W_expert(r)^T for the n * k grouped
// rows of a step of n tokens; rows of unused slots are left untouched.
void record_expert_linear(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                          const vk::Buffer& input, const ExpertMatrix& w, const MoeRoutingBuffers& routing,
                          const vk::Buffer& output, uint32_t n, bool gather,
                          MatmulPrecision precision = MatmulPrecision::F32Activations);

}  // namespace vkllm::ops
