#version 450
#extension GL_GOOGLE_include_directive : require
// Row softmax in place-safe form: out[r, i] = exp(x[r, i] - max_r) / sum_r.
// Subtracting the row maximum keeps exp() in range for any magnitudes.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint cols; float scale; } p;

void main() {
    const uint base = gl_WorkGroupID.x * p.cols;
    float m = -3.402823466e38;
    for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) m = max(m, x[base + i] * p.scale);
    m = workgroup_max(m);
    float s = 0.0;
    for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) s += exp(x[base + i] * p.scale - m);
    s = workgroup_sum(s);
    const float inv = 1.0 / s;
    for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) y[base + i] = exp(x[base + i] * p.scale - m) * inv;
}
