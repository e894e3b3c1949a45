#version 450
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

// position * f reduced to about [-pi, pi] with float32 accuracy even at large
// positions, where a plain product and a driver's own range reduction lose
// digits. The product's rounding error is recovered exactly (Dekker: both
// factors split into 12-bit halves, whose products are exact; this needs no
// fused multiply-add), and 2 pi is subtracted Cody-Waite style: 6.28125 has
// 8 significant bits, so k * 6.28125 is exact for k < 2^16.
float reduced_angle(uint position, float f) {
    const float pos_hi = float(position & ~0xFFFu), pos_lo = float(position & 0xFFFu);
    const float f_hi = uintBitsToFloat(floatBitsToUint(f) & 0xFFFFF000u);
    precise float f_lo = f - f_hi;
    precise float hi = float(position) * f;
    precise float lo = ((pos_hi * f_hi - hi) + pos_hi * f_lo + pos_lo * f_hi) + pos_lo * f_lo;
    const float k = round(hi * 0.15915494309189535);
    precise float r = hi - k * 6.28125;
    r = r - k * 0.0019353071693331003;
    r = r - k * 1.0253376273028358e-11;
    return r + lo;
}

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
