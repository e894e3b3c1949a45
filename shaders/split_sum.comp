#version 450
// The closing pass of a split-K matmul (matmul.comp, matmul_coopmat.comp):
// y[r, n0 + c] (+)= sum over the splits s of parts[s * stride + r * N + c],
// for r < M, c < N. ACCUMULATE adds into y (a residual connection), so the
// separate add pass and its barrier disappear.
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint ACCUMULATE = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Parts { float parts[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Params { uint M, N, ldy, n0, splits, stride; } p;

void main() {
    const uint r = gl_WorkGroupID.y, c = gl_WorkGroupID.x * WG + gl_LocalInvocationIndex;
    if (r >= p.M || c >= p.N) return;
    float sum = 0.0;
    for (uint s = 0; s < p.splits; ++s) sum += parts[s * p.stride + r * p.N + c];
    const uint i = r * p.ldy + p.n0 + c;
    y[i] = ACCUMULATE == 1 ? y[i] + sum : sum;
}
