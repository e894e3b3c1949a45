// Eight consecutive weights in one 16-byte load, for kernels that stream rows
// whose length is a multiple of 8. Include after weights4.glsl; `i` must be a
// multiple of 8. WEIGHT8_ONE_LOAD is 1 where that is a single load (f16, f16
// packed); other storage types fall back to two load_weight4 calls (for f32
// that measured slower than four-wide loads, so kernels keep those there).
// The views alias WEIGHT_BINDING.
#if defined(WEIGHT_F16) || defined(WEIGHT_F16_PACKED)
#define WEIGHT8_ONE_LOAD 1
layout(std430, binding = WEIGHT_BINDING) readonly buffer Weights8 { uvec4 weights8[]; };
void load_weight8(uint i, out vec4 lo, out vec4 hi) {
    const uvec4 w = weights8[i >> 3];
    lo = vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
    hi = vec4(unpackHalf2x16(w.z), unpackHalf2x16(w.w));
}
#else
#define WEIGHT8_ONE_LOAD 0
void load_weight8(uint i, out vec4 lo, out vec4 hi) {
    lo = load_weight4(i);
    hi = load_weight4(i + 4);
}
#endif
