#pragma once
// Linear layers: out[m, n] = sum_k in[m, k] * W[n, k]. A many-row input runs
// the tiled matmul; one to a few rows (decode) run the matrix-vector kernel.
// Weights larger than the device's maxStorageBufferRange are bound in row
// chunks, one dispatch each.
#include <cstdint>
#include <string>
#include <vector>

#include "ops/variants.h"
#include "ops/eltwise.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::ops {

struct WeightMatrix {
    const vk::Buffer* buffer = nullptr;
    uint64_t offset = 0;  // bytes; must be a multiple of the device's storage offset alignment
    DType type = DType::F32;  // any type of the weight table but bf16 (ops::weight_variant)
    uint32_t rows = 0;        // N (outputs)
    uint32_t cols = 0;        // K (inputs); a multiple of the type's block values
};

// Throws Error naming the buffer when the matrix does not fit it, or when a
// block format's columns are not whole blocks. Block formats and f16 are read
// as uints, so the last 4-byte word must lie in the buffer too (vk::Buffer
// sizes are whole words).
void check_weight_matrix(const WeightMatrix& w);
// Binding of weight rows [row0, row0 + rows), rounded up to whole 4-byte words.
vk::BufferBinding weight_row_binding(const WeightMatrix& w, uint64_t row0, uint64_t rows);

// What the matmul may round its activations to. F16Activations lets f16 weights
// run on cooperative-matrix units where the device has them (activations
// rounded to f16, accumulation stays f32).
enum class MatmulPrecision { F32Activations, F16Activations };

// Most activation rows for which the matrix-vector kernel beats the matmul
// (decode steps, batched decode); more rows go to record_matmul.
uint32_t matvec_max_rows(const vk::DeviceCaps& caps, DType type);

// Whether the cooperative-matrix matmul variant for weights of `type` (f16 or
// a block format) exists in this build and fits the device.
bool cooperative_matmul_available(const vk::DeviceCaps& caps, DType type = DType::F16);
// Whether the workgroup-scope variant (VK_NV_cooperative_matrix2) takes
// weights of `type` on this device and build. It runs only where a tile of
// it is named (measured no faster than the subgroup kernel on an H200).
bool workgroup_matmul_available(const vk::DeviceCaps& caps, DType type = DType::F16);

// Split K for few rows (batched decode, short chunks), where one workgroup
// per output tile leaves most of a large GPU idle: each split sums its share
// of K into `partials`, and one more pass (after a barrier it records) adds
// the splits up into the output, or onto it with `accumulate` (a residual
// connection, so no separate add pass).
struct MatmulSplit {
    const vk::Buffer* partials = nullptr;  // scratch for splits x rows x columns floats: the product splits to fit
    uint64_t offset = 0, bytes = 0;        // the region of `partials` this product may use
    bool accumulate = false;     // output += the product
    uint32_t splits = 0;         // 0: enough to fill the device (none on a CPU); n: at most n (tests, benchmarks)
};
// Floats of partial sums one split of a product of `rows` rows needs, per split.
uint64_t matmul_split_floats(const WeightMatrix& w, uint32_t rows);

// Output tile of one cooperative-matrix workgroup: rows x cols outputs.
// matmul_coopmat.comp (VK_KHR_cooperative_matrix) spreads them over
// subgroups_m x subgroups_n subgroups, each a (rows / subgroups_m) x
// (cols / subgroups_n) block of 16x16 fragments. A workgroup-scope tile
// (subgroups 0, `k` set: matmul_coopmat2.comp, VK_NV_cooperative_matrix2) is
// one matrix of the whole workgroup, K in stages of `k`.
// All zero: the kernel picks by the product's shape (a benchmark or a test
// names one of coopmat_tiles()). Ignored where the plain matmul runs.
struct MatmulTile {
    uint32_t rows = 0, cols = 0, subgroups_m = 0, subgroups_n = 0;
    uint32_t k = 0;  // workgroup-scope tiles only
    bool workgroup_scope() const { return k != 0; }
    bool operator==(const MatmulTile&) const = default;
};
// Every tile the cooperative-matrix kernel is dispatched with (and tested for).
const std::vector<MatmulTile>& coopmat_tiles();
std::string describe(const MatmulTile& tile);  // "128x128/2x4", workgroup scope "128x128x32/wg"
// Whether the device has the invocations and shared memory `tile` needs.
bool coopmat_tile_fits(const vk::DeviceCaps& caps, const MatmulTile& tile);
// Parses describe()'s form; throws Error naming the text and the known tiles.
MatmulTile parse_matmul_tile(const std::string& text);

void record_matmul(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input, const WeightMatrix& w,
                   const vk::Buffer& output, uint32_t m,
                   MatmulPrecision precision = MatmulPrecision::F32Activations, MatmulTile tile = {},
                   const MatmulSplit* split = nullptr);
// RMSNorm applied by the matrix-vector kernel to its input rows on the fly:
// input / rms(input) * gain (or * (1 + gain)), gain f32 [cols].
struct InputNorm {
    const vk::Buffer* gain = nullptr;
    float eps = 1e-5f;
    bool unit_offset = false;
};

// `accumulate`: output += input W^T (output must not be input); `norm`: the
// input rows are RMS-normalised first (every weight type); `rows`: weight rows
// sharing each x load, 0 for the type's default (a benchmark knob).
void record_matvec(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input, const WeightMatrix& w,
                   const vk::Buffer& output, uint32_t batch, bool accumulate = false,
                   const InputNorm* norm = nullptr, uint32_t rows = 0);

// A gated FFN's gate and up in one pass: output[b, n] = act(x W_gate^T)[n] *
// (x W_up^T)[n], from the stacked matrix [2 * width, K] that holds the gate
// rows then the up rows (plan/gpu_weights.h); `activation` one of the
// Eltwise activations; `norm` as for record_matvec. The whole matrix is one
// binding: gated_matvec_fits says whether the device allows it.
bool gated_matvec_fits(const vk::DeviceCaps& caps, const WeightMatrix& gate_up);
void record_gated_matvec(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& input,
                         const WeightMatrix& gate_up, Eltwise activation, const vk::Buffer& output, uint32_t batch,
                         const InputNorm* norm = nullptr);

}  // namespace vkllm::ops
