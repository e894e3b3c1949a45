// Four consecutive weights in one load, for kernels that stream rows whose
// length is a multiple of 4. Include after weights.glsl; `i` must be a
// multiple of 4. The vector views alias the same binding as `weights`.
#if defined(WEIGHT_F16)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights4 { f16vec4 weights4[]; };
vec4 load_weight4(uint i) { return vec4(weights4[i >> 2]); }
#elif defined(WEIGHT_F16_PACKED)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights4 { uvec2 weights4[]; };
vec4 load_weight4(uint i) {
    uvec2 w = weights4[i >> 2];
    return vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
}
#elif defined(WEIGHT_F32)
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights4 { vec4 weights4[]; };
vec4 load_weight4(uint i) { return weights4[i >> 2]; }
#else
vec4 load_weight4(uint i) { return vec4(load_weight(i), load_weight(i + 1), load_weight(i + 2), load_weight(i + 3)); }
#endif
