#version 450
// Copies n tokens' K and V rows into the paged cache: row t goes to slot
// slots[t] of the pools laid out [slot, kv_heads * head_dim]. A negative slot
// marks a padding token and is skipped (as is one past the pools' end).
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint ROW = 64;  // kv_heads * head_dim
layout(local_size_x_id = 0) in;

#if defined(KV_F16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
#define KV_TYPE float16_t
#else
#define KV_TYPE float
#endif

layout(std430, binding = 0) readonly buffer KIn { float k_in[]; };
layout(std430, binding = 1) readonly buffer VIn { float v_in[]; };
layout(std430, binding = 2) readonly buffer Slots { int slots[]; };
layout(std430, binding = 3) writeonly buffer KCache { KV_TYPE k_cache[]; };
layout(std430, binding = 4) writeonly buffer VCache { KV_TYPE v_cache[]; };
layout(push_constant) uniform Params { uint tokens; uint first_token; uint pool_slots; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = i / ROW;
    if (t >= p.tokens) return;
    const int slot = slots[p.first_token + t];
    if (slot < 0 || uint(slot) >= p.pool_slots) return;
    const uint c = i - t * ROW;
    const uint dst = uint(slot) * ROW + c;
    const uint src = (p.first_token + t) * ROW + c;
    k_cache[dst] = KV_TYPE(k_in[src]);
    v_cache[dst] = KV_TYPE(v_in[src]);
}
