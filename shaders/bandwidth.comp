#version 450
#extension GL_EXT_control_flow_attributes : require
// Device-memory bandwidth probes (ops/bandwidth.h), the ceilings the
// benchmarks' roofline shares are taken against. COPY moves src to dst; READ
// folds src into one 16-byte value per invocation (an xor, written out so
// that no read can be dropped; the writes are a fraction of a percent of the
// reads). 16-byte accesses, UNROLL independent loads in flight per
// invocation, a fixed grid striding over the buffer.
layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint UNROLL = 4;

layout(std430, binding = 0) readonly buffer Src { uvec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uvec4 dst[]; };
layout(push_constant) uniform Params { uint count; } p;  // 16-byte elements of src

void main() {
    const uint stride = gl_NumWorkGroups.x * WG;
    uint i = gl_GlobalInvocationID.x;
#if defined(READ)
    uvec4 folded = uvec4(0);
#endif
    for (; i + (UNROLL - 1u) * stride < p.count; i += UNROLL * stride) {
        uvec4 v[UNROLL];
        [[unroll]] for (uint u = 0; u < UNROLL; ++u) v[u] = src[i + u * stride];
        [[unroll]] for (uint u = 0; u < UNROLL; ++u) {
#if defined(READ)
            folded ^= v[u];
#else
            dst[i + u * stride] = v[u];
#endif
        }
    }
    for (; i < p.count; i += stride) {
#if defined(READ)
        folded ^= src[i];
#else
        dst[i] = src[i];
#endif
    }
#if defined(READ)
    dst[gl_GlobalInvocationID.x] = folded;
#endif
}
