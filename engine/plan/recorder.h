#pragma once
// What GpuForward's step recording is made of: dispatches of the ops with a
// barrier after each, and a GPU timestamp per dispatch family when profiling.
#include <initializer_list>
#include <optional>
#include <string>

#include "model/config.h"
#include "ops/eltwise.h"
#include "ops/linear.h"
#include "plan/gpu_weights.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::plan {

ops::Eltwise activation_op(Activation a);

class Recorder {
public:
    // `phase_timestamps`: a GPU timestamp after every phase (profiling); else
    // the program's owner stamps only its end.
    Recorder(vk::Device& device, vk::CommandBuffer& commands, const GpuWeights& weights, uint32_t n,
             ops::MatmulPrecision precision, bool phase_timestamps)
        : device(device), commands(commands), weights(weights), n(n), precision(precision),
          phase_timestamps(phase_timestamps) {}

    // Barrier after the dispatches just recorded, then (profiling) a timestamp under `family`.
    void done(const char* family);
    // out[n, rows] = in[n, cols] W^T (+ bias); the matrix-vector kernel for a
    // few rows. `norm` (from fusable_norm): `in` is normalised on the way.
    void linear(const vk::Buffer& in, const std::string& name, const vk::Buffer& out, bool bias, const char* family,
                const ops::InputNorm* norm = nullptr);
    // The same without the closing barrier, for products independent of the
    // ones recorded next (Q, K and V; gate and up), which then overlap.
    void record_linear(const vk::Buffer& in, const std::string& name, const vk::Buffer& out, bool bias,
                       const ops::InputNorm* norm = nullptr);
    // The norm `name` as the products `matrices` (names without ".weight")
    // can apply to their input themselves: an RMSNorm, and every product a
    // matrix-vector kernel that fuses it (decode). Nothing: run norm() first.
    std::optional<ops::InputNorm> fusable_norm(const NormConfig& config, const std::string& name,
                                               std::initializer_list<std::string> matrices) const;
    // x += in W^T (+ bias): in the matrix-vector kernel's epilogue where it can
    // (decode), else into `scratch` followed by an add.
    void linear_add(const vk::Buffer& in, const std::string& name, const vk::Buffer& x, const vk::Buffer& scratch,
                    bool bias, const char* family);
    void norm(const NormConfig& config, const std::string& name, const vk::Buffer& in, const vk::Buffer& out,
              uint32_t rows, uint32_t cols);
    // x += y over `count` floats.
    void add(const vk::Buffer& x, const vk::Buffer& y, uint32_t count);
    // Feed-forward `prefix`.{up, gate, down} of hidden width `width`: src [n, hidden] -> dst,
    // through the scratch `a` and `b` (at least n * width floats each); `accumulate`: dst += the result.
    // `norm`: src is normalised by up and gate themselves (fusable_norm).
    void ffn(const FfnConfig& config, const std::string& prefix, uint32_t width, bool bias, const vk::Buffer& src,
             const vk::Buffer& dst, const vk::Buffer& a, const vk::Buffer& b, bool accumulate = false,
             const ops::InputNorm* norm = nullptr);

    // a = act(src Wgate^T) * (src Wup^T) (or act(src Wup^T) ungated) in
    // separate products and an activation pass.
    void ffn_up_gate(const FfnConfig& config, const std::string& prefix, uint32_t width, bool bias,
                     const vk::Buffer& src, const vk::Buffer& a, const vk::Buffer& b, const ops::InputNorm* norm);

    // Scratch for split-K partial sums (ops::MatmulSplit), in kSplitRegions
    // regions used in turn, so that the few products recorded between two
    // barriers (Q, K and V; up and gate) never share one. Null: no split K.
    void use_split_partials(const vk::Buffer* partials);
    static constexpr uint32_t kSplitRegions = 3;

    vk::Device& device;
    vk::CommandBuffer& commands;
    const GpuWeights& weights;
    uint32_t n;
    ops::MatmulPrecision precision;
    bool phase_timestamps;

private:
    // The next region of the split-K scratch; nullopt without one.
    std::optional<ops::MatmulSplit> next_split(bool accumulate);
    const vk::Buffer* split_partials_ = nullptr;
    uint32_t next_region_ = 0;
};

}  // namespace vkllm::plan
