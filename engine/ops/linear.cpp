#include "ops/linear.h"

#include <algorithm>

#include "ops/chunking.h"
#include "ops/linear_pipelines.h"
#include "ops/moe.h"
#include "vk/embedded_shaders.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {

struct LinearPush {
    uint32_t a, b, c, ldc, n0;  // matmul: M, N, K, ldc, n0; matvec: N, K, ldy, n0, vectors
};
struct MatmulPush {
    LinearPush linear;
    uint32_t k_split, split_stride;  // K of one split (workgroup z), floats between the splits' outputs
};
struct SplitSumPush {
    uint32_t m, n, ldy, n0, splits, stride;
};
struct NormedMatvecPush {
    LinearPush linear;
    float eps;
};

// Splits both the activation rows (input and output slices) and the weight
// rows so that every binding fits maxStorageBufferRange.
template <typename Record>
void for_each_tile(const vk::DeviceCaps& caps, const WeightMatrix& w, uint32_t m, Record&& record) {
    const uint64_t row_bytes = weight_row_bytes(w.type, w.cols);
    for_each_chunk(caps, m, {uint64_t(w.cols) * 4, uint64_t(w.rows) * 4}, "activations of '" + w.buffer->name() + "'",
                   [&](uint64_t m0, uint64_t mc) {
                       for_each_chunk(caps, w.rows, {row_bytes}, "weight '" + w.buffer->name() + "'",
                                      [&](uint64_t n0, uint64_t nc) { record(m0, mc, n0, nc); });
                   });
}

}  // namespace

void check_weight_matrix(const WeightMatrix& w) {
    if (!w.buffer) throw Error("linear layer without a weight buffer");
    const uint32_t block = dtype_traits(w.type).block_values;
    if (w.cols % block != 0)
        throw Error("weight '" + w.buffer->name() + "': " + std::to_string(w.cols) +
                    " columns are not a whole number of " + std::to_string(block) + "-value blocks");
    const uint64_t need = (w.offset + uint64_t(w.rows) * weight_row_bytes(w.type, w.cols) + 3) / 4 * 4;
    if (need > w.buffer->size())
        throw Error("weight '" + w.buffer->name() + "' holds " + std::to_string(w.buffer->size()) + " bytes, the " +
                    std::to_string(w.rows) + "x" + std::to_string(w.cols) + " matrix needs " + std::to_string(need));
}

vk::BufferBinding weight_row_binding(const WeightMatrix& w, uint64_t row0, uint64_t rows) {
    const uint64_t row_bytes = weight_row_bytes(w.type, w.cols);
    uint64_t offset = w.offset + row0 * row_bytes;
    uint64_t range = (rows * row_bytes + 3) / 4 * 4;  // f16 and block formats are read as uints: whole words
    return {*w.buffer, offset, std::min(range, w.buffer->size() - offset)};
}

uint32_t matvec_max_rows(const vk::DeviceCaps& caps, DType type) {
    // matvec.comp reads (and decodes) each weight row once for up to
    // kMatvecVectors rows. Past that it reads the weights again, and where the
    // cooperative-matrix matmul (split K) exists that costs more than it
    // (an H200 at 16 rows: bench/RESULTS.md).
    return cooperative_matmul_available(caps, type) ? kMatvecVectors : 2 * kMatvecVectors;
}

bool cooperative_matmul_available(const vk::DeviceCaps& caps, DType type) {
    if (!has_f16_coopmat(caps, 16)) return false;
    if (type != DType::F16 && !dtype_is_block(type)) return false;
    if (embedded_shader("matmul_coopmat_" + std::string(dtype_traits(type).name)).empty()) return false;
    return caps.subgroup_size * 4 <= caps.max_workgroup_invocations;
}

namespace {

// The largest workgroup the device offers for an f16 x f16 -> f32
// workgroup-scope product of `t`'s edges, 0 where it offers none. (An H200
// lists 32 to 256 invocations; a 128x128 accumulator in 32 spills.)
uint32_t workgroup_tile_invocations(const vk::DeviceCaps& caps, const MatmulTile& t) {
    const vk::CooperativeMatrix2& c2 = caps.cooperative_matrix2;
    if (!c2.usable() || std::max({t.rows, t.cols, t.k}) > c2.max_dimension) return 0;
    uint32_t best = 0;
    for (const auto& s : c2.shapes) {
        if (s.a_type != "f16" || s.b_type != "f16" || s.c_type != "f32" || s.result_type != "f32") continue;
        if (!s.m || !s.n || !s.k || t.rows % s.m || t.cols % s.n || t.k % s.k) continue;
        if (s.invocations == 0 || s.invocations > caps.max_workgroup_invocations ||
            s.invocations > c2.max_workgroup_invocations)
            continue;
        best = std::max(best, s.invocations);
    }
    return best;
}

}  // namespace

bool workgroup_matmul_available(const vk::DeviceCaps& caps, DType type) {
    // A is converted to f16 as a matrix.
    return type == DType::F16 && caps.cooperative_matrix2.usable() && caps.cooperative_matrix2.conversions &&
           !embedded_shader("matmul_coopmat2_f16").empty();
}

const std::vector<MatmulTile>& coopmat_tiles() {
    // 64 x 64 over four subgroups (2 x 2 fragments each) is the routed
    // kernels' tile and the one for products too small to fill a large GPU
    // with bigger tiles; the larger ones read each A and W value from L2 for
    // more outputs (measured: bench/RESULTS.md, kernel-bench --coopmat-tile).
    // Workgroup-scope tiles (last) where the device has them: only ever
    // named, never chosen (matmul_coopmat2.comp says why).
    static const std::vector<MatmulTile> tiles = {
        {64, 64, 2, 2},        {64, 128, 2, 2},      {128, 64, 2, 2},       {128, 128, 2, 4},
        {128, 128, 4, 2},      {64, 256, 2, 4},      {64, 128, 0, 0, 32},   {64, 128, 0, 0, 64},
        {128, 128, 0, 0, 32},  {128, 256, 0, 0, 32},
    };
    return tiles;
}

std::string describe(const MatmulTile& t) {
    const std::string edges = std::to_string(t.rows) + "x" + std::to_string(t.cols);
    if (t.workgroup_scope()) return edges + "x" + std::to_string(t.k) + "/wg";
    return edges + "/" + std::to_string(t.subgroups_m) + "x" + std::to_string(t.subgroups_n);
}

MatmulTile parse_matmul_tile(const std::string& text) {
    std::string known;
    for (const MatmulTile& t : coopmat_tiles()) {
        if (describe(t) == text) return t;
        known += (known.empty() ? "" : ", ") + describe(t);
    }
    throw Error("cooperative-matrix tile '" + text + "' is not one of " + known);
}

namespace {

constexpr uint32_t kFragment = 16;   // matmul_coopmat.comp's fragment edge
constexpr uint32_t kCoopmatStage = 64;  // its K of one stage
constexpr uint32_t kCoopmatStride = kCoopmatStage + 8;  // halves per shared row

// Why `tile` cannot run on this device, or empty.
std::string coopmat_tile_problem(const vk::DeviceCaps& caps, const MatmulTile& t) {
    if (t.workgroup_scope()) {
        if (!workgroup_matmul_available(caps)) return "the device or build has no workgroup-scope matrices";
        if (!workgroup_tile_invocations(caps, t)) return "the device multiplies no workgroup matrices of these edges";
        return {};
    }
    const uint64_t invocations = uint64_t(t.subgroups_m) * t.subgroups_n * caps.subgroup_size;
    const uint64_t shared = uint64_t(t.rows + t.cols) * kCoopmatStride * 2;
    if (invocations > caps.max_workgroup_invocations)
        return std::to_string(invocations) + " invocations exceed the device's " +
               std::to_string(caps.max_workgroup_invocations);
    if (shared > caps.max_shared_memory)
        return vk::format_bytes(shared) + " of shared memory exceed the device's " +
               vk::format_bytes(caps.max_shared_memory);
    // Edge fragments pass through the A tile, one per subgroup.
    if (uint64_t(t.subgroups_m) * t.subgroups_n * kFragment * kFragment * 4 > uint64_t(t.rows) * kCoopmatStride * 2)
        return "its A tile cannot hold a fragment per subgroup";
    // Register pieces of eight values: whole pieces per invocation and stage.
    if ((uint64_t(t.rows) * kCoopmatStage / 8) % invocations != 0 ||
        (uint64_t(t.cols) * kCoopmatStage / 8) % invocations != 0)
        return "its stage does not split into whole pieces for " + std::to_string(invocations) + " invocations";
    return {};
}

}  // namespace

bool coopmat_tile_fits(const vk::DeviceCaps& caps, const MatmulTile& tile) {
    return coopmat_tile_problem(caps, tile).empty();
}

namespace {

constexpr MatmulTile kSmallTile{64, 64, 2, 2}, kLargeTile{128, 128, 2, 4};

// Workgroups of large tiles that fill the device: an eighth of the split-K
// target (a large tile is eight subgroups, one workgroup per multiprocessor
// of an H200).
uint32_t large_tile_target(uint32_t target_workgroups) { return target_workgroups / 8; }

// The tile for an m x n product: 128 x 128 where those tiles about fill the
// device, alone or (`split_k`) with K split in two, else 64 x 64, which split
// K fills up. Measured on an H200 (bench/RESULTS.md, kernel-bench): 512 x
// 4096 x 4096 in 128 large tiles runs at 130 TFLOP/s against 85 in small
// ones; 512 x 2048 x 2048 in 64 large tiles at 64 against 81, and faster
// than either with K split in two.
MatmulTile choose_coopmat_tile(const vk::DeviceCaps& caps, uint64_t m, uint64_t n, uint32_t target_workgroups,
                               bool split_k) {
    const MatmulTile large = kLargeTile;
    const uint64_t large_groups = ((m + large.rows - 1) / large.rows) * ((n + large.cols - 1) / large.cols);
    const uint64_t enough = large_tile_target(target_workgroups);
    if (enough && large_groups * (split_k ? 2 : 1) >= enough && coopmat_tile_problem(caps, large).empty())
        return large;
    return kSmallTile;
}

// Routed experts: the routing plan's tiles are kMoeTileRows (64) rows of one
// expert, so the tile grows along the expert's output columns: 64 x 256 over
// eight subgroups reads each gathered input row for four times the outputs of
// 64 x 64. Measured on an H200 (bench/RESULTS.md, "Routed experts on wider
// tiles"): Mixtral-shaped prefill 6 270 -> 11 074 t/s; 64 x 128 over four
// subgroups was slower (5 427). 64 x 64 where the device cannot run the wide tile.
MatmulTile choose_routed_coopmat_tile(const vk::DeviceCaps& caps) {
    constexpr MatmulTile wide{64, 256, 2, 4};
    static_assert(wide.rows == kMoeTileRows && kSmallTile.rows == kMoeTileRows);
    return coopmat_tile_problem(caps, wide).empty() ? wide : kSmallTile;
}

// Workgroups a split-K product aims for: about eight per multiprocessor of a
// large discrete GPU (an H200 has 132; its four-subgroup workgroups need many
// in flight to keep loads going), a few per core of an integrated one;
// a CPU device runs workgroups on its few threads and gains nothing.
uint32_t split_target_workgroups(const vk::DeviceCaps& caps) {
    switch (caps.device_type) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 1024;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 64;
        default: return 0;
    }
}

}  // namespace

MatmulPipeline matmul_pipeline(const vk::DeviceCaps& caps, const WeightMatrix& w, MatmulPrecision precision,
                               bool routed, uint32_t push_bytes, MatmulTile tile, uint64_t m, uint64_t n,
                               bool split_k) {
    const std::string suffix = routed ? "_experts" : "";
    // The routed kernels bind the grouped rows and, for the matmul, the tiles.
    const uint32_t bindings = routed ? 5 : 3;
    const bool f16_activations = precision == MatmulPrecision::F16Activations;
    if (tile.workgroup_scope()) {
        if (!f16_activations || routed)
            throw Error("cooperative-matrix tile " + describe(tile) +
                        ": workgroup-scope tiles take f16 activations and dense weights");
        if (const std::string problem = coopmat_tile_problem(caps, tile); !problem.empty())
            throw DeviceError("cooperative-matrix tile " + describe(tile) + ": " + problem);
        if (w.type != DType::F16)
            throw Error("cooperative-matrix tile " + describe(tile) + ": workgroup-scope tiles take f16 weights, not " +
                        dtype_traits(w.type).name);
        return {{"matmul_coopmat2_f16", bindings, push_bytes,
                 {workgroup_tile_invocations(caps, tile), tile.rows, tile.cols, tile.k}},
                tile.rows, tile.cols};
    }
    if (f16_activations && cooperative_matmul_available(caps, w.type)) {
        if (tile == MatmulTile{})
            tile = routed ? choose_routed_coopmat_tile(caps)
                          : choose_coopmat_tile(caps, m, n, split_target_workgroups(caps), split_k);
        if (std::find(coopmat_tiles().begin(), coopmat_tiles().end(), tile) == coopmat_tiles().end())
            parse_matmul_tile(describe(tile));  // throws, naming the known tiles
        if (routed && tile.rows != kMoeTileRows)
            throw Error("cooperative-matrix tile " + describe(tile) + ": routed experts take " +
                        std::to_string(kMoeTileRows) + "-row tiles");
        if (const std::string problem = coopmat_tile_problem(caps, tile); !problem.empty())
            throw DeviceError("cooperative-matrix tile " + describe(tile) + ": " + problem);
        const uint32_t frag_m = tile.rows / kFragment / tile.subgroups_m, frag_n = tile.cols / kFragment / tile.subgroups_n;
        // Whole subgroups per workgroup, each a full subgroup where the size can be fixed.
        return {{"matmul_coopmat_" + std::string(dtype_traits(w.type).name) + suffix, bindings, push_bytes,
                 {caps.subgroup_size * tile.subgroups_m * tile.subgroups_n, frag_n, frag_m, tile.subgroups_m,
                  tile.subgroups_n},
                 caps.subgroup_size_control ? caps.subgroup_size : 0},
                tile.rows, tile.cols};
    }
    return {{"matmul_" + weight_variant(caps, w.type) + suffix, bindings, push_bytes, {}}, 64, 64};
}

uint32_t default_matvec_rows(DType type) {
    // Measured on an H200 (bench/RESULTS.md, kernel-bench --matvec-rows): two
    // rows per x load help where the decode is cheap (f16 +6%, Q8_0 +10%,
    // Q4_0 and Q6_K +4-8%); the K-quants of costly decode (Q4_K, Q5_K, and the
    // formats alike) lose by it, at one vector and more.
    switch (type) {
        case DType::F16:
        case DType::Q8_0:
        case DType::Q8_0X8:
        case DType::Q4_0:
        case DType::Q6_K: return 2;
        default: return 1;
    }
}

MatvecPipeline matvec_pipeline(const vk::DeviceCaps& caps, const WeightMatrix& w, bool routed, uint32_t push_bytes,
                               uint32_t vectors, MatvecFusion fusion, uint32_t rows) {
    if (fusion.gate) rows = 2;  // a gate row and its up row
    if (rows == 0) rows = default_matvec_rows(w.type);
    uint32_t wg = reduction_workgroup(caps);
    // matvec.comp's subgroup variant gives each subgroup one row, so the subgroup
    // size must be fixed for the host to know how many rows a workgroup covers.
    const bool by_subgroup = caps.subgroup_arithmetic && caps.subgroup_size_control && caps.subgroup_size <= wg;
    // Enough subgroups on a row that each lane makes about eight loads: of eight
    // f16 weights where the row length allows, eight decoded values of a block
    // format (decode8 of shaders/common/blocks/) or sixteen (decode16, Q8_0X8),
    // else four (matvec.comp).
    const uint32_t per_load = w.type == DType::Q8_0X8                                          ? 16
                              : (w.type == DType::F16 && w.cols % 8 == 0) || dtype_is_block(w.type) ? 8
                                                                                                   : 4;
    const uint64_t values_per_lane = 8 * per_load;
    const uint32_t subgroups = by_subgroup ? wg / caps.subgroup_size : 1;
    uint32_t per_row = 1;
    while (by_subgroup && per_row < subgroups && per_row * caps.subgroup_size * values_per_lane < w.cols) per_row *= 2;
    std::string name = "matvec_" + weight_variant(caps, w.type) + (routed ? "_experts" : "");
    if (by_subgroup) name += "_sg";
    if (fusion.normed) name += "_normed";
    // Routed: the grouped rows (binding 3) and the plan's tiles (binding 4);
    // normed: the norm's gain (binding 3).
    const uint32_t bindings = routed ? 5u : fusion.normed ? 4u : 3u;
    // A power of two up to kMatvecVectors, so few pipelines serve every batch.
    uint32_t per_group = 1;
    while (per_group < std::min(vectors, kMatvecVectors)) per_group *= 2;
    // Constant 1 only matters to the subgroup variant.
    return {{name, bindings, push_bytes,
             {wg, per_row, per_group, fusion.accumulate ? 1u : 0u, fusion.unit_offset ? 1u : 0u, rows, subgroups,
              fusion.gate},
             by_subgroup ? caps.subgroup_size : 0},
            (by_subgroup ? subgroups / per_row : 1) * (fusion.gate ? 1 : rows), per_group};
}

namespace {

// Fewer K values per split than this cost more in partial sums than they gain.
constexpr uint32_t kMinSplitK = 128;
constexpr uint32_t kSplitStage = kCoopmatStage;  // a multiple of matmul.comp's stage too

uint32_t div_up(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

}  // namespace

uint64_t matmul_split_floats(const WeightMatrix& w, uint32_t rows) { return uint64_t(rows) * w.rows; }

void record_matmul(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input, const WeightMatrix& w,
                   const vk::Buffer& output, uint32_t m, MatmulPrecision precision, MatmulTile tile,
                   const MatmulSplit* split) {
    check_weight_matrix(w);
    const auto& caps = device.caps();
    const MatmulPipeline plan =
        matmul_pipeline(caps, w, precision, false, sizeof(MatmulPush), tile, m, w.rows, split != nullptr);
    // Large tiles fill the device with fewer workgroups.
    const bool large = plan.tile_rows * plan.tile_columns > kSmallTile.rows * kSmallTile.cols;
    const uint32_t target = large ? large_tile_target(split_target_workgroups(caps)) : split_target_workgroups(caps);
    const auto& pipeline = device.pipeline(plan.desc);
    for_each_tile(caps, w, m, [&](uint64_t m0, uint64_t mc, uint64_t n0, uint64_t nc) {
        vk::BufferBinding in{input, m0 * w.cols * 4, mc * w.cols * 4};
        const uint32_t gx = div_up(nc, plan.tile_columns), gy = div_up(mc, plan.tile_rows);
        // Splits: enough workgroups to fill the device, at least kMinSplitK
        // values of K each, and partial sums that fit the scratch.
        uint32_t splits = 1;
        const uint64_t split_bytes = mc * nc * 4;
        if (split) {
            const uint32_t most = split->splits ? split->splits : div_up(target, gx * gy);
            const uint32_t k_limit = split->splits ? div_up(w.cols, kSplitStage) : std::max(1u, w.cols / kMinSplitK);
            splits = std::clamp(std::min(most, k_limit), 1u, caps.max_workgroup_count[2]);
            splits = uint32_t(std::min<uint64_t>(splits, split->bytes / split_bytes));
            if (splits == 0 && split->accumulate)
                throw Error("weight '" + w.buffer->name() + "': the split-K scratch (" + vk::format_bytes(split->bytes) +
                            ") cannot hold one " + std::to_string(mc) + "x" + std::to_string(nc) +
                            " product to accumulate");
        }
        const bool through_partials = split && splits >= 1 && (splits > 1 || split->accumulate);
        if (!through_partials) {
            const MatmulPush push{{uint32_t(mc), uint32_t(nc), w.cols, w.rows, uint32_t(n0)}, w.cols, 0};
            vk::BufferBinding out{output, m0 * w.rows * 4, mc * w.rows * 4};
            commands.dispatch(pipeline, {in, weight_row_binding(w, n0, nc), out}, push, gx, gy);
            return;
        }
        // Whole stages per split; the last split may be shorter.
        const uint32_t k_split = div_up(div_up(w.cols, kSplitStage), splits) * kSplitStage;
        splits = div_up(w.cols, k_split);
        const uint32_t stride = uint32_t(mc * nc);
        const MatmulPush push{{uint32_t(mc), uint32_t(nc), w.cols, uint32_t(nc), 0}, k_split, stride};
        const vk::BufferBinding parts{*split->partials, split->offset, splits * split_bytes};
        commands.dispatch(pipeline, {in, weight_row_binding(w, n0, nc), parts}, push, gx, gy, splits);
        commands.barrier();
        const uint32_t wg = std::min<uint32_t>(256, caps.max_workgroup_invocations);
        const auto& sum = device.pipeline({"split_sum", 2, sizeof(SplitSumPush), {wg, split->accumulate ? 1u : 0u}});
        vk::BufferBinding out{output, m0 * w.rows * 4, mc * w.rows * 4};
        commands.dispatch(sum, {parts, out}, SplitSumPush{uint32_t(mc), uint32_t(nc), w.rows, uint32_t(n0), splits, stride},
                          div_up(nc, wg), uint32_t(mc));
    });
}

namespace {
void check_norm(const WeightMatrix& w, const InputNorm* norm) {
    if (norm && (!norm->gain || norm->gain->size() < uint64_t(w.cols) * 4))
        throw Error("weight '" + w.buffer->name() + "': the input norm's gain is missing or shorter than " +
                    std::to_string(w.cols) + " values");
}
}  // namespace

bool gated_matvec_fits(const vk::DeviceCaps& caps, const WeightMatrix& gate_up) {
    return uint64_t(gate_up.rows) * weight_row_bytes(gate_up.type, gate_up.cols) + 4 <= caps.max_storage_buffer_range;
}

void record_gated_matvec(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input,
                         const WeightMatrix& gate_up, Eltwise activation, const vk::Buffer& output, uint32_t batch,
                         const InputNorm* norm) {
    check_weight_matrix(gate_up);
    check_norm(gate_up, norm);
    const auto& caps = device.caps();
    if (gate_up.rows % 2 != 0)
        throw Error("weight '" + gate_up.buffer->name() + "': a stacked gate/up matrix has an even number of rows, not " +
                    std::to_string(gate_up.rows));
    if (activation != Eltwise::SiLU && activation != Eltwise::GELU && activation != Eltwise::GELUTanh &&
        activation != Eltwise::ReLU)
        throw Error("gated matrix-vector product: activation " + std::to_string(uint32_t(activation)) +
                    " is not one of SiLU, GELU, GELU-tanh, ReLU");
    if (!gated_matvec_fits(caps, gate_up))
        throw DeviceError("weight '" + gate_up.buffer->name() + "': the stacked gate/up matrix exceeds one binding (" +
                          vk::format_bytes(caps.max_storage_buffer_range) + ")");
    const uint32_t width = gate_up.rows / 2;
    const uint32_t push_bytes = norm ? sizeof(NormedMatvecPush) : sizeof(LinearPush);
    MatvecFusion fusion{false, norm != nullptr, norm && norm->unit_offset, uint32_t(activation)};
    const MatvecPipeline plan = matvec_pipeline(caps, gate_up, false, push_bytes, batch, fusion);
    const auto& pipeline = device.pipeline(plan.desc);
    for_each_chunk(caps, batch, {uint64_t(gate_up.cols) * 4, uint64_t(width) * 4},
                   "activations of '" + gate_up.buffer->name() + "'", [&](uint64_t b0, uint64_t bc) {
                       const NormedMatvecPush push{{width, gate_up.cols, width, 0, uint32_t(bc)}, norm ? norm->eps : 0.f};
                       vk::BufferBinding in{input, b0 * gate_up.cols * 4, bc * gate_up.cols * 4};
                       vk::BufferBinding out{output, b0 * width * 4, bc * width * 4};
                       vk::BufferBinding w = weight_row_binding(gate_up, 0, gate_up.rows);
                       const uint32_t gx = (width + plan.rows_per_group - 1) / plan.rows_per_group;
                       const uint32_t gy = uint32_t((bc + plan.vectors_per_group - 1) / plan.vectors_per_group);
                       if (norm) commands.dispatch(pipeline, {in, w, out, *norm->gain}, push, gx, gy);
                       else commands.dispatch(pipeline, {in, w, out}, push.linear, gx, gy);
                   });
}

void record_matvec(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input, const WeightMatrix& w,
                   const vk::Buffer& output, uint32_t batch, bool accumulate, const InputNorm* norm, uint32_t rows) {
    check_weight_matrix(w);
    if (accumulate && &input == &output)
        throw Error("weight '" + w.buffer->name() + "': an accumulating matrix-vector product cannot work in place");
    check_norm(w, norm);
    const auto& caps = device.caps();
    const uint32_t push_bytes = norm ? sizeof(NormedMatvecPush) : sizeof(LinearPush);
    const MatvecPipeline plan =
        matvec_pipeline(caps, w, false, push_bytes, batch, {accumulate, norm != nullptr, norm && norm->unit_offset}, rows);
    const auto& pipeline = device.pipeline(plan.desc);
    const uint32_t rows_per_group = plan.rows_per_group, vectors = plan.vectors_per_group;
    for_each_tile(caps, w, batch, [&](uint64_t b0, uint64_t bc, uint64_t n0, uint64_t nc) {
        const NormedMatvecPush push{{uint32_t(nc), w.cols, w.rows, uint32_t(n0), uint32_t(bc)}, norm ? norm->eps : 0.f};
        vk::BufferBinding in{input, b0 * w.cols * 4, bc * w.cols * 4};
        vk::BufferBinding out{output, b0 * w.rows * 4, bc * w.rows * 4};
        const uint32_t gx = uint32_t((nc + rows_per_group - 1) / rows_per_group), gy = uint32_t((bc + vectors - 1) / vectors);
        if (norm)
            commands.dispatch(pipeline, {in, weight_row_binding(w, n0, nc), out, *norm->gain}, push, gx, gy);
        else
            commands.dispatch(pipeline, {in, weight_row_binding(w, n0, nc), out}, push.linear, gx, gy);
    });
}

}  // namespace vkllm::ops
