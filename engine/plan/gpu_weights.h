#pragma once
// A model's tensors in device buffers, one buffer per tensor, under their
// logical names (model/weights.h). Matrices keep their stored type (f32, f16
// and every block format of the weight-type table, uploaded as stored and
// decoded by the kernels; bf16 widens to f32, since no kernel reads it) unless
// a storage override asks for f16 or f32; vectors (norm weights, biases, 1-D
// tensors) are always f32. The token embedding and a tied LM head are the
// same matrix, in its stored type. Copied (not used in place), Q8_0 matrices
// whose rows hold whole groups of eight blocks become Q8_0X8, the same bytes
// regrouped for aligned loads.
// Routed experts' matrices ("<prefix>.experts.<e>.<name>") are stacked,
// expert-major, into one buffer "<prefix>.experts.<name>" so that a kernel can
// pick an expert by index (ops/expert_linear.h); they are reached through
// experts(), not matrix().
// A gated FFN's "<prefix>.gate.weight" and "<prefix>.up.weight" of one shape
// and type share one buffer, gate rows then up rows, also reachable as the
// matrix "<prefix>.gate_up.weight" [2 * rows, cols]: the matrix-vector kernel
// computes act(gate) * up from it in one pass (ops::record_gated_matvec).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "model/config.h"
#include "model/weights.h"
#include "ops/expert_linear.h"
#include "ops/linear.h"
#include "vk/buffer.h"
#include "vk/device.h"

namespace vkllm::plan {

enum class MatrixStorage {
    AsStored,  // f32, f16 and block formats as stored; bf16 -> f32
    F16,       // every matrix rounded to f16
    F32,       // every matrix widened to f32
};

MatrixStorage parse_matrix_storage(const std::string& name);  // "auto", "f16", "f32"

class GpuWeights {
public:
    // Called after each tensor reaches the device with the source bytes done so far and in all.
    using Progress = std::function<void(uint64_t done_bytes, uint64_t total_bytes)>;

    // `in_place`: on unified memory, matrices stored as the kernels read them
    // are used where the mapped model file holds them (VK_EXT_external_memory_host)
    // instead of copied; where the device cannot import the file, they are uploaded.
    GpuWeights(vk::Device& device, const ModelWeights& weights, MatrixStorage storage, const Progress& progress = {},
               bool in_place = true);

    bool has(const std::string& logical) const { return tensors_.count(logical) != 0; }
    // A 2-D tensor as a linear-layer weight; throws Error naming a missing tensor.
    ops::WeightMatrix matrix(const std::string& logical) const;
    // The stacked matrices of a layer's routed experts, e.g. "layers.0.moe.experts.up.weight".
    ops::ExpertMatrix experts(const std::string& stacked) const;
    // A 1-D f32 tensor.
    const vk::Buffer& vector(const std::string& logical) const;
    uint64_t device_bytes() const { return bytes_; }
    // Bytes of the stacked routed-expert matrices (part of device_bytes()).
    uint64_t expert_bytes() const { return expert_bytes_; }
    // Bytes of device_bytes() read in place from the model file, not copied.
    uint64_t in_place_bytes() const { return in_place_bytes_; }
    // Why the model file could not be used in place (empty when it was, or not tried).
    const std::string& in_place_problem() const { return in_place_problem_; }

private:
    struct Entry {
        std::shared_ptr<vk::Buffer> buffer;  // shared by the members of a gate/up pair
        uint64_t offset = 0;                 // bytes into it
        DType type = DType::F32;
        std::vector<uint64_t> shape;  // stacked experts: [experts * rows, cols]
        uint32_t experts = 0;         // > 0: a stack of this many experts
    };
    const Entry& entry(const std::string& logical) const;
    // Imports every mapped file of `weights` the device takes (imported_),
    // remembering why one failed.
    void import_files(vk::Device& device, const ModelWeights& weights);
    // The imported buffer holding [data, data + bytes) and the offset there;
    // no buffer where no imported file holds it at a bindable offset.
    std::pair<std::shared_ptr<vk::Buffer>, uint64_t> in_place(vk::Device& device, const void* data,
                                                              uint64_t bytes) const;
    std::map<const MappedFile*, std::shared_ptr<vk::Buffer>> imported_;

    std::map<std::string, Entry> tensors_;
    uint64_t bytes_ = 0;
    uint64_t expert_bytes_ = 0;
    uint64_t in_place_bytes_ = 0;
    std::string in_place_problem_;
};

}  // namespace vkllm::plan
