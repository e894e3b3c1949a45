#version 450
#extension GL_GOOGLE_include_directive : require
// Gated feed-forward activation: out[i] = act(gate[i]) * up[i]
// (SiLU: SwiGLU, GELU / GELU-tanh: GEGLU). ACT is an ACT_* value.
#include "activations.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint ACT = ACT_SILU;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Gate { float gate[]; };
layout(std430, binding = 1) readonly buffer Up { float up[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Params { uint n; uint row_groups; } p;

void main() {
    const uint i = (gl_WorkGroupID.y * p.row_groups + gl_WorkGroupID.x) * WG + gl_LocalInvocationIndex;
    if (i >= p.n) return;
    result[i] = activate(ACT, gate[i]) * up[i];
}
