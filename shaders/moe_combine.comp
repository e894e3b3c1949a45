#version 450
// out[t, c] = sum over token t's slots of weight * expert_out[grouped row, c]
// (slots passed on the residual add nothing), plus the shared expert's
// output, scaled by sigmoid(gate logit) when it has a gate.
layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer ExpertOut { float expert_out[]; };  // [grouped rows, hidden]
layout(std430, binding = 1) readonly buffer Slots { ivec4 slots[]; };           // [n, k]
layout(std430, binding = 2) readonly buffer Shared { float shared_out[]; };     // [n, hidden]
layout(std430, binding = 3) readonly buffer Gate { float gate_logit[]; };       // [n]
layout(std430, binding = 4) writeonly buffer Out { float out_rows[]; };         // [n, hidden]
layout(push_constant) uniform Params {
    uint n, k, hidden;
    uint shared_mode;  // 0: no shared expert, 1: added as is, 2: scaled by its sigmoid gate
    uint row_groups;   // workgroups along x (the grid spills into y past the x limit)
} p;

void main() {
    const uint i = (gl_WorkGroupID.y * p.row_groups + gl_WorkGroupID.x) * WG + gl_LocalInvocationIndex;
    if (i >= p.n * p.hidden) return;
    const uint t = i / p.hidden, c = i % p.hidden;
    float sum = 0.0;
    for (uint j = 0; j < p.k; ++j) {
        const ivec4 s = slots[t * p.k + j];
        if (s.x >= 0) sum += intBitsToFloat(s.z) * expert_out[uint(s.y) * p.hidden + c];
    }
    if (p.shared_mode != 0) {
        const float g = p.shared_mode == 2 ? 1.0 / (1.0 + exp(-gate_logit[t])) : 1.0;
        sum += g * shared_out[i];
    }
    out_rows[i] = sum;
}
