#version 450
#extension GL_GOOGLE_include_directive : require
// Row normalisation: RMSNorm (x / rms(x) * w) or LayerNorm ((x - mean) / std * w + b),
// optional Gemma-style (1 + w). One workgroup per row, sized by the host to
// the row so that each invocation holds about one four-wide piece of it (a
// decode step normalises one row: the whole row is loaded at once rather than
// in a long chain of loads). LayerNorm takes the variance of (x - mean) in a
// second pass rather than E[x^2] - mean^2, which cancels badly when |mean| >> std.
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint LAYER_NORM = 0;   // 0: RMSNorm, 1: LayerNorm
layout(constant_id = 2) const uint UNIT_OFFSET = 0;  // 1: scale by (1 + w)
layout(constant_id = 3) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"
#include "weights4.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) writeonly buffer Y4 { vec4 y4[]; };
layout(push_constant) uniform Params { uint cols; float eps; } p;

// Elements [4c, 4c + 4) of the row starting at `base`; past the row's end: zero, and `valid` 0.
vec4 piece(uint base, uint c, out vec4 valid) {
    valid = vec4(lessThan(uvec4(4 * c) + uvec4(0, 1, 2, 3), uvec4(p.cols)));
    if (p.cols % 4 == 0) return x4[(base >> 2) + c];
    vec4 v = vec4(0.0);
    for (uint j = 0; j < 4; ++j)
        if (4 * c + j < p.cols) v[j] = x[base + 4 * c + j];
    return v;
}

vec4 weight_piece(uint c) {
    if (p.cols % 4 == 0) return load_weight4(4 * c);
    vec4 w = vec4(0.0);
    for (uint j = 0; j < 4; ++j)
        if (4 * c + j < p.cols) w[j] = load_weight(4 * c + j);
    return w;
}

void main() {
    const uint base = gl_WorkGroupID.x * p.cols;
    const uint pieces = (p.cols + 3) / 4;
    vec4 valid;
    float mean = 0.0;
    if (LAYER_NORM == 1) {
        float s = 0.0;
        for (uint c = gl_LocalInvocationIndex; c < pieces; c += WG) s += dot(piece(base, c, valid), vec4(1.0));
        mean = workgroup_sum(s) / float(p.cols);
    }
    float sq = 0.0;
    for (uint c = gl_LocalInvocationIndex; c < pieces; c += WG) {
        const vec4 d = (piece(base, c, valid) - mean) * valid;
        sq += dot(d, d);
    }
    const float inv = inversesqrt(workgroup_sum(sq) / float(p.cols) + p.eps);
    for (uint c = gl_LocalInvocationIndex; c < pieces; c += WG) {
        vec4 w = weight_piece(c);
        if (UNIT_OFFSET == 1) w += 1.0;
        vec4 v = (piece(base, c, valid) - mean) * inv * w;
        if (HAS_BIAS == 1)
            for (uint j = 0; j < 4; ++j)
                if (4 * c + j < p.cols) v[j] += bias[4 * c + j];
        if (p.cols % 4 == 0) {
            y4[(base >> 2) + c] = v;
        } else {
            for (uint j = 0; j < 4; ++j)
                if (4 * c + j < p.cols) y[base + 4 * c + j] = v[j];
        }
    }
}
