// Workgroup-wide sum and max of one float per invocation. Needs the spec
// constant WG (the workgroup size) declared before inclusion. With
// USE_SUBGROUP the work is done by subgroup arithmetic and one shared slot per
// subgroup; otherwise by a shared-memory tree (for devices without it).
#if defined(USE_SUBGROUP)
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
shared float reduce_scratch[WG];  // only gl_NumSubgroups slots are used

float workgroup_sum(float v) {
    v = subgroupAdd(v);
    barrier();
    if (subgroupElect()) reduce_scratch[gl_SubgroupID] = v;
    barrier();
    float total = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; ++i) total += reduce_scratch[i];
    return total;
}

float workgroup_max(float v) {
    v = subgroupMax(v);
    barrier();
    if (subgroupElect()) reduce_scratch[gl_SubgroupID] = v;
    barrier();
    float m = reduce_scratch[0];
    for (uint i = 1; i < gl_NumSubgroups; ++i) m = max(m, reduce_scratch[i]);
    return m;
}
#else
shared float reduce_scratch[WG];

float workgroup_sum(float v) {
    barrier();
    reduce_scratch[gl_LocalInvocationIndex] = v;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (gl_LocalInvocationIndex < stride)
            reduce_scratch[gl_LocalInvocationIndex] += reduce_scratch[gl_LocalInvocationIndex + stride];
        barrier();
    }
    return reduce_scratch[0];
}

float workgroup_max(float v) {
    barrier();
    reduce_scratch[gl_LocalInvocationIndex] = v;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (gl_LocalInvocationIndex < stride)
            reduce_scratch[gl_LocalInvocationIndex] =
                max(reduce_scratch[gl_LocalInvocationIndex], reduce_scratch[gl_LocalInvocationIndex + stride]);
        barrier();
    }
    return reduce_scratch[0];
}
#endif
