#include "ops/embedding.h"

#include <algorithm>

#include "ops/chunking.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct EmbeddingPush {
    uint32_t hidden, token0, row0, rows, vocab;
    float scale;
};
}  // namespace

void record_embedding(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& ids,
                      const WeightMatrix& table, const vk::Buffer& out, uint32_t n_tokens, float scale) {
    check_weight_matrix(table);
    if (table.rows == 0 || table.cols == 0) throw Error("embedding table '" + table.buffer->name() + "' is empty");
    if (ids.size() < uint64_t(n_tokens) * 4 || out.size() < uint64_t(n_tokens) * table.cols * 4)
        throw Error("embedding: buffers '" + ids.name() + "' / '" + out.name() + "' are too small for " +
                    std::to_string(n_tokens) + " tokens");
    const auto& caps = device.caps();
    const uint32_t wg = std::min<uint32_t>(128, caps.max_workgroup_invocations);
    const auto& pipeline =
        device.pipeline({"embedding_" + weight_variant(caps, table.type), 3, sizeof(EmbeddingPush), {wg}});
    const uint32_t hidden = table.cols;
    const uint32_t column_groups = (hidden + wg - 1) / wg;
    if (column_groups > caps.max_workgroup_count[0])
        throw DeviceError("embedding: " + std::to_string(hidden) + " columns exceed the device's workgroup count");
    const uint64_t row_bytes = weight_row_bytes(table.type, hidden);
    const std::string what = "embedding table '" + table.buffer->name() + "'";
    for_each_chunk(caps, n_tokens, {uint64_t(hidden) * 4, 4}, "embedding output", [&](uint64_t t0, uint64_t tc) {
        vk::BufferBinding id_slice{ids, t0 * 4, tc * 4};
        vk::BufferBinding out_slice{out, t0 * hidden * 4, tc * hidden * 4};
        for_each_chunk(caps, table.rows, {row_bytes}, what, [&](uint64_t r0, uint64_t rc) {
            vk::BufferBinding rows = weight_row_binding(table, r0, rc);
            // The token count may exceed the y workgroup limit: several dispatches per chunk.
            for (uint64_t s = 0; s < tc; s += caps.max_workgroup_count[1]) {
                uint32_t count = uint32_t(std::min<uint64_t>(caps.max_workgroup_count[1], tc - s));
                EmbeddingPush push{hidden, uint32_t(s), uint32_t(r0), uint32_t(rc), table.rows, scale};
                commands.dispatch(pipeline, {id_slice, rows, out_slice}, push, column_groups, count);
            }
        });
    });
}

}  // namespace vkllm::ops
