#version 450
#extension GL_GOOGLE_include_directive : require
// out[t, c] = scale * table[ids[t], c]. The table may be bound in row chunks
// [row0, row0 + rows): each dispatch writes only the tokens whose id falls in
// its chunk. Ids outside [0, vocab) read nothing; the dispatch holding row 0
// writes zeros for them.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#define WEIGHT_BINDING 1
#include "weights.glsl"

layout(std430, binding = 0) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Params {
    uint hidden;
    uint token0;  // first token (of the bound slice) this dispatch handles: gl_WorkGroupID.y counts from here
    uint row0;    // first table row of the bound chunk
    uint rows;    // rows in the bound chunk
    uint vocab;   // rows of the whole table
    float scale;
} p;

void main() {
    const uint c = gl_WorkGroupID.x * WG + gl_LocalInvocationIndex;
    if (c >= p.hidden) return;
    const uint t = p.token0 + gl_WorkGroupID.y;
    const int id = ids[t];
    const uint out_index = t * p.hidden + c;
    if (id < 0 || uint(id) >= p.vocab) {
        if (p.row0 == 0) result[out_index] = 0.0;
        return;
    }
    const uint row = uint(id) - p.row0;  // wraps to a huge value below the chunk
    if (row >= p.rows) return;
    result[out_index] = p.scale * load_weight(row * p.hidden + c);
}
