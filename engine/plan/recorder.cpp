#include "plan/recorder.h"

#include "ops/gated.h"
#include "ops/rows.h"

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
    commands.timestamp(family);
}

void Recorder::linear(const vk::Buffer& in, const std::string& name, const vk::Buffer& out, bool bias,
                      const char* family) {
    ops::WeightMatrix w = weights.matrix(name + ".weight");
    if (n <= ops::matvec_max_rows(w.type)) ops::record_matvec(device, commands, in, w, out, n);
    else ops::record_matmul(device, commands, in, w, out, n, precision);
    if (bias) {
        commands.barrier();
        ops::record_eltwise(device, commands, ops::Eltwise::Add, out, weights.vector(name + ".bias"), out, n * w.rows,
                            w.rows);
    }
    done(family);
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
                   const vk::Buffer& src, const vk::Buffer& dst, const vk::Buffer& a, const vk::Buffer& b) {
    linear(src, prefix + ".up", a, bias, "ffn");
    if (config.gated) {
        linear(src, prefix + ".gate", b, false, "ffn");
        ops::record_gated(device, commands, activation_op(config.activation), b, a, a, n * width);
    } else {
        ops::record_activation(device, commands, activation_op(config.activation), a, a, n * width);
    }
    done("activation");
    linear(a, prefix + ".down", dst, bias, "ffn");
}

}  // namespace vkllm::plan
