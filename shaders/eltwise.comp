#version 450
// c[i] = a[i] op b[i % b_len] (b broadcast over rows when shorter), and the
// unary activations c[i] = act(a[i]). OP selects at pipeline creation.
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint OP = 0;
const uint OP_ADD = 0, OP_MUL = 1, OP_SILU = 2, OP_GELU = 3, OP_GELU_TANH = 4, OP_RELU = 5;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };
layout(push_constant) uniform Params { uint n; uint b_len; uint row_groups; } p;

float gelu_erf(float v) {
    // erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), GLSL has no erf().
    float z = abs(v) * 0.70710678118654752;
    float t = 1.0 / (1.0 + 0.3275911 * z);
    float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    float erf_abs = 1.0 - poly * exp(-z * z);
    return 0.5 * v * (1.0 + sign(v) * erf_abs);
}

float gelu_tanh(float v) {
    float inner = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    // tanh(u) = 1 - 2 / (exp(2u) + 1) stays finite for large |u|.
    float t = 1.0 - 2.0 / (exp(2.0 * inner) + 1.0);
    return 0.5 * v * (1.0 + t);
}

void main() {
    const uint i = (gl_WorkGroupID.y * p.row_groups + gl_WorkGroupID.x) * WG + gl_LocalInvocationIndex;
    if (i >= p.n) return;
    float v = a[i];
    if (OP == OP_ADD) v += b[i % p.b_len];
    else if (OP == OP_MUL) v *= b[i % p.b_len];
    else if (OP == OP_SILU) v = v / (1.0 + exp(-v));
    else if (OP == OP_GELU) v = gelu_erf(v);
    else if (OP == OP_GELU_TANH) v = gelu_tanh(v);
    else if (OP == OP_RELU) v = max(v, 0.0);
    c[i] = v;
}
