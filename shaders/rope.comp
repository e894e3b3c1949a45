#version 450
#extension GL_GOOGLE_include_directive : require
// Rotary position embedding in place on x [tokens, heads, HEAD_DIM]. One
// invocation per rotated pair: NeoX pairs (i, i + HALF), GPT-J pairs (2i, 2i + 1);
// dims past 2 * HALF (partial rotary) are untouched. cos and sin are scaled by
// ATTENTION_FACTOR (YaRN).
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint HEAD_DIM = 128;
layout(constant_id = 2) const uint HALF = 64;  // rotary dims / 2
layout(constant_id = 3) const uint GPTJ = 0;
layout(constant_id = 4) const float ATTENTION_FACTOR = 1.0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Positions { int positions[]; };
layout(std430, binding = 2) readonly buffer InvFreq { float inv_freq[]; };
layout(push_constant) uniform Params {
    uint heads;
    uint token0;  // first token (of the bound slice) of this dispatch
} p;

#include "rope_angle.glsl"

void main() {
    const uint pair = gl_WorkGroupID.x * WG + gl_LocalInvocationIndex;
    if (pair >= p.heads * HALF) return;
    const uint t = p.token0 + gl_WorkGroupID.y;
    const uint head = pair / HALF, i = pair % HALF;
    const uint base = (t * p.heads + head) * HEAD_DIM;
    const uint a = base + (GPTJ != 0 ? 2 * i : i);
    const uint b = base + (GPTJ != 0 ? 2 * i + 1 : i + HALF);
    const float angle = reduced_angle(uint(max(positions[t], 0)), inv_freq[i]);
    const float c = cos(angle) * ATTENTION_FACTOR, s = sin(angle) * ATTENTION_FACTOR;
    const float xa = x[a], xb = x[b];
    x[a] = xa * c - xb * s;
    x[b] = xb * c + xa * s;
}
