#include "plan/recorder.h"

#include "ops/gated.h"
#include "ops/rows.h"
#include "vkllm/error.h"

namespace vkllm::plan {

ops::Eltwise activation_op(Activation a) {
    switch (a) {
        case Activation::ReLU: return ops::Eltwise::ReLU;
        case Activation::GELU: return ops::Eltwise::GELU;
        case Activation::GELUTanh: return ops::Eltwise::GELUTanh;
        case Activation::SiLU: return ops::Eltwise::SiLU;
    }
    return ops::Eltwise::SiLU;
}

void Recorder::done(const char* family) {
    commands.barrier();
    if (phase_timestamps) commands.timestamp(family);
}

void Recorder::record_linear(const vk::Buffer& in, const std::string& name, const vk::Buffer& out, bool bias,
                             const ops::InputNorm* norm) {
    ops::WeightMatrix w = weights.matrix(name + ".weight");
    if (n <= ops::matvec_max_rows(device.caps(), w.type)) ops::record_matvec(device, commands, in, w, out, n, false, norm);
    else if (norm) throw Error("'" + name + "': an input norm is fused only into matrix-vector products");
    else {
        const std::optional<ops::MatmulSplit> split = next_split(false);
        ops::record_matmul(device, commands, in, w, out, n, precision, {}, split ? &*split : nullptr);
    }
    if (bias) {
        commands.barrier();
        ops::record_eltwise(device, commands, ops::Eltwise::Add, out, weights.vector(name + ".bias"), out, n * w.rows,
                            w.rows);
    }
}

void Recorder::linear(const vk::Buffer& in, const std::string& name, const vk::Buffer& out, bool bias,
                      const char* family, const ops::InputNorm* norm) {
    record_linear(in, name, out, bias, norm);
    done(family);
}

std::optional<ops::InputNorm> Recorder::fusable_norm(const NormConfig& config, const std::string& name,
                                                     std::initializer_list<std::string> matrices) const {
    if (config.type != NormType::RMSNorm) return std::nullopt;
    for (const std::string& m : matrices) {
        const ops::WeightMatrix w = weights.matrix(m + ".weight");
        if (n > ops::matvec_max_rows(device.caps(), w.type)) return std::nullopt;
    }
    return ops::InputNorm{&weights.vector(name + ".weight"), float(config.epsilon), config.add_unit_offset};
}

void Recorder::linear_add(const vk::Buffer& in, const std::string& name, const vk::Buffer& x,
                          const vk::Buffer& scratch, bool bias, const char* family) {
    ops::WeightMatrix w = weights.matrix(name + ".weight");
    if (!bias && n <= ops::matvec_max_rows(device.caps(), w.type)) {
        ops::record_matvec(device, commands, in, w, x, n, true);
        done(family);
        return;
    }
    // The matmul adds its product in its split-K closing pass where the scratch holds it.
    if (std::optional<ops::MatmulSplit> split = next_split(true);
        !bias && split && ops::matmul_split_floats(w, n) * 4 <= split->bytes) {
        ops::record_matmul(device, commands, in, w, x, n, precision, {}, &*split);
        done(family);
        return;
    }
    linear(in, name, scratch, bias, family);
    add(x, scratch, n * w.rows);
}

void Recorder::use_split_partials(const vk::Buffer* partials) { split_partials_ = partials; }

std::optional<ops::MatmulSplit> Recorder::next_split(bool accumulate) {
    if (!split_partials_) return std::nullopt;
    ops::MatmulSplit split;
    split.partials = split_partials_;
    split.bytes = split_partials_->size() / kSplitRegions / 256 * 256;  // regions at aligned offsets
    split.offset = split.bytes * (next_region_++ % kSplitRegions);
    split.accumulate = accumulate;
    return split;
}

void Recorder::norm(const NormConfig& config, const std::string& name, const vk::Buffer& in, const vk::Buffer& out,
                    uint32_t rows, uint32_t cols) {
    ops::NormSpec spec{config.type == NormType::LayerNorm, config.add_unit_offset, float(config.epsilon)};
    const vk::Buffer* bias = config.type == NormType::LayerNorm && config.bias ? &weights.vector(name + ".bias") : nullptr;
    ops::record_norm(device, commands, spec, in, weights.vector(name + ".weight"), bias, out, rows, cols);
    done("norm");
}

void Recorder::add(const vk::Buffer& x, const vk::Buffer& y, uint32_t count) {
    ops::record_eltwise(device, commands, ops::Eltwise::Add, x, y, x, count, count);
    done("residual");
}

void Recorder::ffn(const FfnConfig& config, const std::string& prefix, uint32_t width, bool bias,
                   const vk::Buffer& src, const vk::Buffer& dst, const vk::Buffer& a, const vk::Buffer& b,
                   bool accumulate, const ops::InputNorm* norm) {
    // Decode: gate and up in one matrix-vector pass with the activation in its
    // epilogue, where the two share a buffer (plan/gpu_weights.h).
    const std::string gate_up = prefix + ".gate_up.weight";
    const std::optional<ops::WeightMatrix> pair =
        config.gated && !bias && weights.has(gate_up) ? std::optional(weights.matrix(gate_up)) : std::nullopt;
    if (pair && n <= ops::matvec_max_rows(device.caps(), pair->type) && ops::gated_matvec_fits(device.caps(), *pair)) {
        ops::record_gated_matvec(device, commands, src, *pair, activation_op(config.activation), a, n, norm);
        done("ffn");
    } else {
        ffn_up_gate(config, prefix, width, bias, src, a, b, norm);
    }
    // `b` is free once the activation has read it.
    if (accumulate) linear_add(a, prefix + ".down", dst, b, bias, "ffn");
    else linear(a, prefix + ".down", dst, bias, "ffn");
}

void Recorder::ffn_up_gate(const FfnConfig& config, const std::string& prefix, uint32_t width, bool bias,
                           const vk::Buffer& src, const vk::Buffer& a, const vk::Buffer& b, const ops::InputNorm* norm) {
    // Up and gate read the same input and write different buffers: one barrier after both.
    record_linear(src, prefix + ".up", a, bias, norm);
    if (config.gated) {
        record_linear(src, prefix + ".gate", b, false, norm);
        done("ffn");
        ops::record_gated(device, commands, activation_op(config.activation), b, a, a, n * width);
    } else {
        done("ffn");
        ops::record_activation(device, commands, activation_op(config.activation), a, a, n * width);
    }
    done("activation");
}

}  // namespace vkllm::plan
