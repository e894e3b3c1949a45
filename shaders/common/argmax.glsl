// Workgroup-wide best (value, id) pair: the highest value, the lowest id among
// equal values. Values must not be NaN. Needs the spec constant WG (the
// workgroup size) declared before inclusion. With USE_SUBGROUP each subgroup
// reduces with subgroup arithmetic and leaves one pair in shared memory;
// otherwise a shared-memory tree does the whole reduction.
#if defined(USE_SUBGROUP)
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
shared float argmax_values[WG];
shared uint argmax_ids[WG];

bool argmax_better(float av, uint aid, float bv, uint bid) { return av > bv || (av == bv && aid < bid); }

void workgroup_argmax(inout float v, inout uint id) {
#if defined(USE_SUBGROUP)
    const float sv = subgroupMax(v);
    const uint sid = subgroupMin(v == sv ? id : 0xffffffffu);
    barrier();
    if (subgroupElect()) {
        argmax_values[gl_SubgroupID] = sv;
        argmax_ids[gl_SubgroupID] = sid;
    }
    barrier();
    v = argmax_values[0];
    id = argmax_ids[0];
    for (uint i = 1; i < gl_NumSubgroups; ++i)
        if (argmax_better(argmax_values[i], argmax_ids[i], v, id)) {
            v = argmax_values[i];
            id = argmax_ids[i];
        }
#else
    const uint me = gl_LocalInvocationIndex;
    barrier();
    argmax_values[me] = v;
    argmax_ids[me] = id;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (me < stride && argmax_better(argmax_values[me + stride], argmax_ids[me + stride], argmax_values[me],
                                         argmax_ids[me])) {
            argmax_values[me] = argmax_values[me + stride];
            argmax_ids[me] = argmax_ids[me + stride];
        }
        barrier();
    }
    v = argmax_values[0];
    id = argmax_ids[0];
#endif
}
