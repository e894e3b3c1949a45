// Activation functions shared by the element-wise and gated kernels, in float32.
// ACT_* values match ops::Eltwise.
const uint ACT_SILU = 2, ACT_GELU = 3, ACT_GELU_TANH = 4, ACT_RELU = 5;

float silu(float v) { return v / (1.0 + exp(-v)); }

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

float activate(uint act, float v) {
    if (act == ACT_SILU) return silu(v);
    if (act == ACT_GELU) return gelu_erf(v);
    if (act == ACT_GELU_TANH) return gelu_tanh(v);
    if (act == ACT_RELU) return max(v, 0.0);
    return v;
}
