// GpuForward's Mixture-of-Experts layers: the routing plan is built on the
// device each step (ops/moe.h), the routed experts run grouped over exactly
// their slots (ops/expert_linear.h), the shared expert runs as a dense FFN,
// and the combine sums them with their weights.
#include <algorithm>
#include <cmath>
#include <vector>

#include "model/expected_tensors.h"
#include "ops/expert_linear.h"
#include "ops/eltwise.h"
#include "ops/gated.h"
#include "ops/moe.h"
#include "plan/forward.h"
#include "plan/forward_state.h"
#include "plan/recorder.h"

namespace vkllm::plan {

namespace {

ops::MoeRoutingSpec routing_spec(const MoeConfig& m) {
    ops::MoeRoutingSpec spec;
    spec.experts = m.num_experts;
    spec.top_k = m.dense ? m.num_experts : m.top_k;
    spec.sigmoid = m.router == RouterType::Sigmoid;
    spec.renormalize = m.renormalize_top_k && !m.dense;
    spec.capacity_factor = m.capacity_factor;
    spec.overflow_next_best = m.capacity_overflow == CapacityOverflow::NextBest;
    return spec;
}

std::unique_ptr<vk::Buffer> floats(vk::Device& device, uint64_t count, const char* name) {
    return std::make_unique<vk::Buffer>(device, std::max<uint64_t>(count, 1) * 4, vk::BufferKind::Device, name);
}

}  // namespace

void GpuForward::allocate_moe(uint32_t max_tokens) {
    Scratch& s = *scratch_;
    const MoeConfig& m = config_.moe;
    s.moe_spec = routing_spec(m);
    const uint64_t slots = uint64_t(max_tokens) * s.moe_spec.top_k;
    const uint32_t width = expert_intermediate(config_);
    s.moe_routing = std::make_unique<ops::MoeRoutingBuffers>(device_, s.moe_spec, max_tokens);
    s.router_logits = floats(device_, uint64_t(max_tokens) * m.num_experts, "router logits");
    s.expert_a = floats(device_, slots * width, "expert up");
    s.expert_b = floats(device_, slots * width, "expert gate");
    s.expert_out = floats(device_, slots * config_.hidden_size, "expert outputs");
    if (m.shared_experts > 0) s.shared_out = floats(device_, uint64_t(max_tokens) * config_.hidden_size, "shared expert output");
    if (m.shared_expert_gate) s.shared_gate = floats(device_, max_tokens, "shared expert gate");
    const uint64_t align = std::max<uint64_t>(device_.caps().min_storage_buffer_alignment, 4);
    s.moe_stats_stride = (uint64_t(ops::moe_stats_words(m.num_experts)) * 4 + align - 1) / align * align;
    s.moe_stats = std::make_unique<vk::Buffer>(device_, s.moe_stats_stride * config_.num_layers,
                                               vk::BufferKind::Readback, "routing statistics");
    reset_moe_stats();
}

void GpuForward::record_moe(Recorder& r, uint32_t layer, const vk::Buffer& src, const vk::Buffer& dst) {
    Scratch& s = *scratch_;
    const MoeConfig& m = config_.moe;
    const ops::MoeRoutingSpec& spec = s.moe_spec;
    const std::string p = "layers." + std::to_string(layer) + ".moe.";
    const uint32_t n = r.n, width = expert_intermediate(config_);

    // Router choices are discrete, so its logits keep f32 activations even where
    // the expert matmuls round them to f16: a rounding there only nudges an
    // output, a flipped choice replaces it.
    Recorder router(device_, r.commands, weights_, n, ops::MatmulPrecision::F32Activations, r.phase_timestamps);
    router.linear(src, p + "router", *s.router_logits, false, "moe_router");
    const vk::BufferBinding stats{*s.moe_stats, s.moe_stats_stride * layer, uint64_t(ops::moe_stats_words(m.num_experts)) * 4};
    ops::record_moe_routing(device_, r.commands, spec, *s.router_logits, *s.moe_routing, stats, n);
    r.done("moe_router");

    auto experts = [&](const char* name) { return weights_.experts(p + "experts." + name + ".weight"); };
    ops::record_expert_linear(device_, r.commands, spec, src, experts("up"), *s.moe_routing, *s.expert_a, n, true,
                              r.precision);
    const uint32_t slot_values = n * spec.top_k * width;
    if (config_.ffn.gated) {
        ops::record_expert_linear(device_, r.commands, spec, src, experts("gate"), *s.moe_routing, *s.expert_b, n,
                                  true, r.precision);
        r.done("experts");
        ops::record_gated(device_, r.commands, activation_op(config_.ffn.activation), *s.expert_b, *s.expert_a,
                          *s.expert_a, slot_values);
    } else {
        r.done("experts");
        ops::record_activation(device_, r.commands, activation_op(config_.ffn.activation), *s.expert_a, *s.expert_a,
                               slot_values);
    }
    r.done("activation");
    ops::record_expert_linear(device_, r.commands, spec, *s.expert_a, experts("down"), *s.moe_routing, *s.expert_out,
                              n, false, r.precision);
    r.done("experts");

    ops::SharedExpert shared;
    if (m.shared_experts > 0) {
        r.ffn(config_.ffn, p + "shared", shared_expert_intermediate(config_), false, src, *s.shared_out, *s.ffn_a,
              *s.ffn_b);
        shared.out = s.shared_out.get();
        if (m.shared_expert_gate) {
            r.linear(src, p + "shared_gate", *s.shared_gate, false, "moe_router");
            shared.gate_logit = s.shared_gate.get();
        }
    }
    ops::record_moe_combine(device_, r.commands, spec, *s.expert_out, *s.moe_routing, shared, dst, n,
                            config_.hidden_size);
    r.done("moe_combine");
}

uint64_t GpuForward::decode_weight_bytes(uint32_t batch) const {
    const uint64_t experts = weights_.expert_bytes();
    if (experts == 0) return weights_.device_bytes();
    const ops::MoeRoutingSpec& spec = scratch_->moe_spec;
    const double untouched = std::pow(1.0 - double(spec.top_k) / spec.experts, double(std::max(batch, 1u)));
    return weights_.device_bytes() - experts + uint64_t(double(experts) * (1.0 - untouched));
}

std::vector<ops::MoeStats> GpuForward::moe_stats() const {
    std::vector<ops::MoeStats> layers;
    const Scratch& s = *scratch_;
    if (!s.moe_stats) return layers;
    const uint32_t experts = config_.moe.num_experts, words = ops::moe_stats_words(experts);
    std::vector<uint32_t> raw(words);
    for (uint32_t l = 0; l < config_.num_layers; ++l) {
        vk::download(device_, *s.moe_stats, raw.data(), words * 4, s.moe_stats_stride * l);
        layers.push_back(ops::decode_moe_stats(raw.data(), experts, s.moe_spec.top_k));
    }
    return layers;
}

void GpuForward::reset_moe_stats() {
    const Scratch& s = *scratch_;
    if (!s.moe_stats) return;
    std::vector<uint8_t> zeros(s.moe_stats->size(), 0);
    vk::upload(device_, *s.moe_stats, zeros.data(), zeros.size());
}

}  // namespace vkllm::plan
