#version 450
#extension GL_GOOGLE_include_directive : require
// c[i] = a[i] op b[i % b_len] (b broadcast over rows when shorter), and the
// unary activations c[i] = act(a[i]), and soft-capping c[i] = CAP * tanh(a[i] / CAP).
// OP (and CAP) select at pipeline creation.
#include "activations.glsl"
#include "soft_cap.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const float CAP = 1.0;  // OP_SOFTCAP only
const uint OP_ADD = 0, OP_MUL = 1, OP_SOFTCAP = 6;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
layout(push_constant) uniform Params { uint n; uint b_len; uint row_groups; } p;

void main() {
    const uint i = (gl_WorkGroupID.y * p.row_groups + gl_WorkGroupID.x) * WG + gl_LocalInvocationIndex;
    if (i >= p.n) return;
    float v = a[i];
    if (OP == OP_ADD) v += b[i % p.b_len];
    else if (OP == OP_MUL) v *= b[i % p.b_len];
    else if (OP == OP_SOFTCAP) v = soft_cap(v, CAP);
    else v = activate(OP, v);
    c[i] = v;
}
