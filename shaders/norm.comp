#version 450
#extension GL_GOOGLE_include_directive : require
// Row normalisation: RMSNorm (x / rms(x) * w) or LayerNorm ((x - mean) / std * w + b),
// optional Gemma-style (1 + w). One workgroup per row; LayerNorm takes the
// variance of (x - mean) in a second pass rather than E[x^2] - mean^2, which
// cancels badly when |mean| >> std.
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint LAYER_NORM = 0;   // 0: RMSNorm, 1: LayerNorm
layout(constant_id = 2) const uint UNIT_OFFSET = 0;  // 1: scale by (1 + w)
layout(constant_id = 3) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint cols; float eps; } p;

void main() {
    const uint base = gl_WorkGroupID.x * p.cols;
    float mean = 0.0;
    if (LAYER_NORM == 1) {
        float s = 0.0;
        for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) s += x[base + i];
        mean = workgroup_sum(s) / float(p.cols);
    }
    float sq = 0.0;
    for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
        float d = x[base + i] - mean;
        sq = fma(d, d, sq);
    }
    const float inv = inversesqrt(workgroup_sum(sq) / float(p.cols) + p.eps);
    for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
        float w = load_weight(i);
        if (UNIT_OFFSET == 1) w += 1.0;
        float v = (x[base + i] - mean) * inv * w;
        if (HAS_BIAS == 1) v += bias[i];
        y[base + i] = v;
    }
}
