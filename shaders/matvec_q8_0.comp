#version 450
#extension GL_GOOGLE_include_directive : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] with W in GGUF Q8_0 blocks (f16 scale
// + 32 int8, 34 bytes), read through uints so that no 8/16-bit storage is
// needed. One workgroup per output row and vector; each invocation takes whole
// blocks (one scale per 32 products), then a workgroup reduction.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Weights { uint weights[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;  // row stride of y
    uint n0;   // first output column of this dispatch
} p;

// A block starts on an even byte: at a word boundary or half-way into one.
// Its 34 bytes then lie in the 9 words from the one holding its start.
float block_dot(uint block, uint x0) {
    const uint byte = block * 34u;
    const uint w0 = byte >> 2, half_word = (byte >> 1) & 1u;
    uint words[9];
    for (uint i = 0; i < 9; ++i) words[i] = weights[w0 + i];
    const float scale = unpackHalf2x16(words[0])[half_word];
    const uint first = half_word * 2u + 2u;  // byte of quant 0 within the 9 words
    float sum = 0.0;
    for (uint j = 0; j < 32; ++j) {
        const uint at = first + j;
        const int q = bitfieldExtract(int(words[at >> 2]), int((at & 3u) * 8u), 8);
        sum = fma(x[x0 + j], float(q), sum);
    }
    return scale * sum;
}

void main() {
    const uint row = gl_WorkGroupID.x;
    const uint b = gl_WorkGroupID.y;
    const uint blocks = p.K / 32u;
    float sum = 0.0;
    if (row < p.N)
        for (uint k = gl_LocalInvocationIndex; k < blocks; k += WG) sum += block_dot(row * blocks + k, b * p.K + k * 32u);
    sum = workgroup_sum(sum);
    if (row < p.N && gl_LocalInvocationIndex == 0) y[b * p.ldy + p.n0 + row] = sum;
}
