#version 450
#extension GL_GOOGLE_include_directive : require
// Router of a Mixture-of-Experts layer, one workgroup per token: router
// probabilities (softmax over the experts, or an independent sigmoid each) and
// the experts ranked best first. Ranking compares the logits themselves (both
// maps are monotonic, and logits do not saturate as probabilities can); equal
// logits rank the lower expert index first.
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint SIGMOID = 0;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };    // [n, experts]
layout(std430, binding = 1) writeonly buffer Probs { float probs[]; };     // [n, experts]
layout(std430, binding = 2) writeonly buffer Ranking { int ranking[]; };   // [n, experts]: expert ids, best first
layout(push_constant) uniform Params { uint experts; } p;

const uint MAX_EXPERTS = 512;  // model/config_validate.cpp caps moe.num_experts here
shared float logit[MAX_EXPERTS];

void main() {
    const uint base = gl_WorkGroupID.x * p.experts;
    const uint tid = gl_LocalInvocationIndex;
    float local_max = -1.0 / 0.0;
    for (uint e = tid; e < p.experts; e += WG) {
        logit[e] = logits[base + e];
        local_max = max(local_max, logit[e]);
    }
    float total = 1.0, top = 0.0;
    if (SIGMOID == 0) {
        top = workgroup_max(local_max);
        float partial = 0.0;
        for (uint e = tid; e < p.experts; e += WG) partial += exp(logit[e] - top);
        total = workgroup_sum(partial);
    }
    barrier();
    for (uint e = tid; e < p.experts; e += WG) {
        const float l = logit[e];
        probs[base + e] = SIGMOID != 0 ? 1.0 / (1.0 + exp(-l)) : exp(l - top) / total;
        uint rank = 0;
        for (uint f = 0; f < p.experts; ++f) rank += (logit[f] > l || (logit[f] == l && f < e)) ? 1u : 0u;
        ranking[base + rank] = int(e);
    }
}
