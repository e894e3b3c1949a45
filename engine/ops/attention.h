#pragma once
// Paged attention over a layer's KV pools, for prefill and decode alike: every
// query names its sequence and position; keys come from that sequence's block
// table. Two kernels: one workgroup per query (attention.comp), where few
// queries over long contexts are split over the keys (flash-decoding) and
// merged by a second dispatch so one sequence still fills the GPU; and, for
// the sequences of a step with many queries each (prefill) over f16 or
// block-format pools, flash attention on cooperative-matrix units
// (attention_coopmat.comp).
#include <cstdint>

#include "common/weight_types.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

enum class AttentionKernel {
    Auto,      // Mixed where the matrix kernel exists and the step has many queries, else PerQuery
    PerQuery,  // attention.comp
    Matrix,    // attention_coopmat.comp for every row; DeviceError where the device or spec cannot have it
    // Both, dispatched side by side over disjoint rows: the matrix kernel for
    // sequences that bring at least 16 queries to the step (prefill, long
    // chunks), the per-query one for the others (decode rows of continuous
    // batching, short chunks). No key splits. DeviceError as Matrix.
    Mixed,
};

struct AttentionSpec {
    uint32_t heads = 1;
    uint32_t kv_heads = 1;  // divides heads; query head h reads kv head h / (heads / kv_heads)
    uint32_t head_dim = 64;
    uint32_t block_size = 16;      // tokens per KV block
    float scale = 0.f;             // 0: 1 / sqrt(head_dim)
    bool causal = true;            // false: every key of the sequence below its context length
    uint32_t sliding_window = 0;   // > 0: query i sees key j only if |i - j| < window
    float softcap = 0.f;           // > 0: score = softcap * tanh(score / softcap)
    bool alibi = false;            // score += slope[h] * (key_pos - query_pos)
    DType kv_type = DType::F32;    // element type of the KV pools (kv/kv_type.h); f16 needs 16-bit storage
    uint32_t splits = 0;           // key splits per query (per-query kernel); 0: chosen from the shape
    AttentionKernel kernel = AttentionKernel::Auto;
};

struct AttentionShape {
    uint32_t queries = 0;     // rows of q
    uint32_t sequences = 0;   // rows of the block table
    uint32_t max_blocks = 0;  // block-table row length
    // At least every context length the recorded commands will see when they
    // run (a program recorded once for many steps passes its context limit):
    // the key splits cover [0, max_context) and nothing beyond.
    uint32_t max_context = 0;
};

struct AttentionBuffers {
    const vk::Buffer* q = nullptr;             // f32 [queries, heads, head_dim]
    const vk::Buffer* seq_index = nullptr;     // int32 [queries]: row of the block table
    const vk::Buffer* positions = nullptr;     // int32 [queries]: position of the query token
    const vk::Buffer* context_lens = nullptr;  // int32 [sequences]: keys held (including this step's)
    const vk::Buffer* block_table = nullptr;   // int32 [sequences, max_blocks]
    const vk::Buffer* k_pool = nullptr;        // [blocks, block_size, kv_heads, head_dim] (kv/gpu_pools.h)
    const vk::Buffer* v_pool = nullptr;        // block formats: the same buffer as k_pool
    const vk::Buffer* alibi_slopes = nullptr;  // f32 [heads]; only read when spec.alibi
    const vk::Buffer* out = nullptr;           // f32 [queries, heads, head_dim]
    const vk::Buffer* scratch = nullptr;       // attention_scratch_bytes(); may be null when that is 0
};

// Why the cooperative-matrix kernel cannot serve `spec` on this device (empty: it can).
std::string matrix_attention_problem(const vk::DeviceCaps& caps, const AttentionSpec& spec);
// The kernel record_attention uses for this spec and shape (never Auto).
AttentionKernel attention_kernel(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape);
// Key splits record_attention will use for this spec and shape (1 for the matrix kernel).
uint32_t attention_splits(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape);
// Bytes of the scratch buffer record_attention needs (0: none).
uint64_t attention_scratch_bytes(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape);

// Records the attention dispatch(es) with the barrier between split and merge;
// the caller places barriers before (inputs written) and after (out read).
void record_attention(vk::Device& device, vk::CommandBuffer& commands, const AttentionSpec& spec,
                      const AttentionShape& shape, const AttentionBuffers& buffers);

}  // namespace vkllm::ops
