#pragma once
// Pipeline choice shared by the dense linear layers (linear.cpp) and the
// routed expert layers (expert_linear.cpp): the same kernels, the routed ones
// compiled with EXPERT_ROUTED.
#include <cstdint>

#include "ops/linear.h"
#include "vk/pipeline.h"

namespace vkllm::ops {

// Most vectors one matvec.comp workgroup multiplies with each weight row it
// reads (its VECTORS constant).
constexpr uint32_t kMatvecVectors = 8;

struct MatvecPipeline {
    vk::PipelineDesc desc;
    uint32_t rows_per_group = 1;  // output rows one workgroup covers
    uint32_t vectors_per_group = 1;
};

// `vectors`: the most vectors a workgroup will meet (batch rows, or rows of one expert's tile).
// `accumulate`: y += x W^T; `normed`: the NORMED_INPUT variant (unit_offset:
// its (1 + g) form).
// `gate`: the gated pair (record_gated_matvec) with this Eltwise activation, 0 for none.
struct MatvecFusion {
    bool accumulate = false, normed = false, unit_offset = false;
    uint32_t gate = 0;
};
// `rows`: weight rows sharing each x load (matvec.comp's ROWS); 0 takes the
// weight type's default (default_matvec_rows), other values are for benchmarks.
MatvecPipeline matvec_pipeline(const vk::DeviceCaps& caps, const WeightMatrix& w, bool routed, uint32_t push_bytes,
                               uint32_t vectors, MatvecFusion fusion = {}, uint32_t rows = 0);
uint32_t default_matvec_rows(DType type);
struct MatmulPipeline {
    vk::PipelineDesc desc;
    uint32_t tile_rows = 64, tile_columns = 64;  // outputs of one workgroup
};
// `tile`: the cooperative-matrix tile (all zero: chosen for an m x n
// product, `split_k` if K may be split; the routed kernels always take 64
// rows, the routing plan's tile height); the other variants take 64 x 64.
MatmulPipeline matmul_pipeline(const vk::DeviceCaps& caps, const WeightMatrix& w, MatmulPrecision precision,
                               bool routed, uint32_t push_bytes, MatmulTile tile, uint64_t m, uint64_t n,
                               bool split_k = false);

}  // namespace vkllm::ops
