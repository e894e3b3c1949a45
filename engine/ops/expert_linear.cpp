#include "ops/expert_linear.h"

#include "ops/chunking.h"
#include "ops/linear_pipelines.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {

struct RoutedPush {
    uint32_t n, k, ld, g0, gc, gather;  // n: rows per expert, k: columns, ld: output row stride
};

}  // namespace

void record_expert_linear(vk::Device& device, vk::CommandBuffer& commands, const MoeRoutingSpec& spec,
                          const vk::Buffer& input, const ExpertMatrix& w, const MoeRoutingBuffers& routing,
                          const vk::Buffer& output, uint32_t n, bool gather, MatmulPrecision precision) {
    check_weight_matrix(w.stacked);
    if (w.experts != spec.experts || w.stacked.rows % w.experts != 0)
        throw Error("expert weight '" + w.stacked.buffer->name() + "': " + std::to_string(w.stacked.rows) +
                    " stacked rows do not split into " + std::to_string(spec.experts) + " experts");
    const auto& caps = device.caps();
    const uint32_t rows = n * spec.top_k, per_expert = w.rows_per_expert(), cols = w.stacked.cols;
    if (routing.grouped_rows->size() < uint64_t(rows) * 8 ||
        routing.tiles->size() < uint64_t(moe_max_tiles(spec, n)) * 16)
        throw Error("expert weight '" + w.stacked.buffer->name() + "': a step of " + std::to_string(n) +
                    " tokens does not fit the routing buffers");
    const std::string name = "expert layer '" + w.stacked.buffer->name() + "'";
    check_binding_fits(caps, uint64_t(gather ? n : rows) * cols * 4, name + " input");
    check_binding_fits(caps, uint64_t(rows) * per_expert * 4, name + " output");
    const bool few_tokens = n <= matvec_max_rows(device.caps(), w.stacked.type);
    MatvecPipeline matvec;
    MatmulPipeline matmul;
    // A token takes an expert at most once, so an expert's tile holds at most n rows.
    if (few_tokens) matvec = matvec_pipeline(caps, w.stacked, true, sizeof(RoutedPush), n);
    else matmul = matmul_pipeline(caps, w.stacked, precision, true, sizeof(RoutedPush), {}, rows, per_expert);
    const vk::PipelineDesc& desc = few_tokens ? matvec.desc : matmul.desc;
    const auto& pipeline = device.pipeline(desc);
    const uint64_t row_bytes = weight_row_bytes(w.stacked.type, cols);
    for_each_chunk(caps, w.stacked.rows, {row_bytes}, "weight '" + w.stacked.buffer->name() + "'",
                   [&](uint64_t g0, uint64_t gc) {
                       RoutedPush push{per_expert, cols, per_expert, uint32_t(g0), uint32_t(gc), gather ? 1u : 0u};
                       vk::BufferBinding weights = weight_row_binding(w.stacked, g0, gc);
                       const uint32_t column_groups = (per_expert + matvec.rows_per_group - 1) / matvec.rows_per_group;
                       if (few_tokens) {
                           // One tile of one expert per workgroup.
                           commands.dispatch(pipeline,
                                             {input, weights, output, *routing.grouped_rows, *routing.tiles}, push,
                                             column_groups, moe_max_tiles(spec, n));
                       } else {
                           commands.dispatch(pipeline,
                                             {input, weights, output, *routing.grouped_rows, *routing.tiles}, push,
                                             (per_expert + matmul.tile_columns - 1) / matmul.tile_columns,
                                             moe_max_tiles(spec, n));
                       }
                   });
}

}  // namespace vkllm::ops
