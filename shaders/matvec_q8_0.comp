#version 450
#extension GL_GOOGLE_include_directive : require
// y[b, n0 + n] = sum_k x[b, k] * W[n, k] with W in GGUF Q8_0 blocks (f16 scale
// + 32 int8, 34 bytes), read through uints so that no 8/16-bit storage is
// needed. One workgroup per output row and vector; invocation i takes the
// 4-value groups i, i + WG, ... so that neighbours read neighbouring words,
// then a workgroup reduction.
// EXPERT_ROUTED: vector b is grouped row b of the routing plan and W is the
// slice of its expert in the stacked expert matrix (expert_rows.glsl).
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { vec4 x4[]; };  // K is a multiple of 32
layout(std430, binding = 1) readonly buffer Weights { uint weights[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if defined(EXPERT_ROUTED)
#include "expert_rows.glsl"
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;
    uint g0, gc;  // stacked weight rows bound
    uint gather;  // read x rows from their tokens
} p;
#else
layout(push_constant) uniform Params {
    uint N, K;
    uint ldy;  // row stride of y
    uint n0;   // first output column of this dispatch
} p;
#endif

// Values 4g .. 4g + 3 of the row whose first block is `block0`, times x.
// Blocks start on even bytes, so the scale lies in one word and the four
// quants in one word or across the halves of two.
float group_dot(uint block0, uint g, vec4 xv) {
    const uint block_byte = (block0 + g / 8u) * 34u;
    const float scale = unpackHalf2x16(weights[block_byte >> 2])[(block_byte >> 1) & 1u];
    const uint quant_byte = block_byte + 2u + (g % 8u) * 4u;
    const uint w = quant_byte >> 2;
    const uint packed = (quant_byte & 3u) == 0u ? weights[w] : (weights[w] >> 16) | (weights[w + 1u] << 16);
    const int bits = int(packed);
    const vec4 q = vec4(bitfieldExtract(bits, 0, 8), bitfieldExtract(bits, 8, 8), bitfieldExtract(bits, 16, 8),
                        bitfieldExtract(bits, 24, 8));
    return scale * dot(q, xv);
}

void main() {
    const uint row = gl_WorkGroupID.x;
    const uint b = gl_WorkGroupID.y;
    const uint groups = p.K / 4u;
#if defined(EXPERT_ROUTED)
    const int expert = grouped_rows[b].y;
    if (expert < 0) return;  // uniform
    const ExpertWindow win = expert_window(uint(expert), p.N, p.g0, p.gc);
    const uint x_row = input_row(b, p.gather), col_begin = win.col_begin, col_end = win.col_end, out_col0 = 0;
    const int w_row0 = win.row_of_col0;
#else
    const uint x_row = b, col_begin = 0, col_end = p.N, out_col0 = p.n0;
    const int w_row0 = 0;
#endif
    const bool in_window = row >= col_begin && row < col_end;
    float sum = 0.0;
    if (in_window) {
        const uint block0 = uint(w_row0 + int(row)) * (p.K / 32u);
        for (uint g = gl_LocalInvocationIndex; g < groups; g += WG) sum += group_dot(block0, g, x4[x_row * groups + g]);
    }
    sum = workgroup_sum(sum);
    if (in_window && gl_LocalInvocationIndex == 0) y[b * p.ldy + out_col0 + row] = sum;
}
