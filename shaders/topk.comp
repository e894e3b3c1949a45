#version 450
#extension GL_GOOGLE_include_directive : require
// Top-k by (value descending, id ascending) over one candidate set per
// workgroup. Without MERGE a candidate set is a chunk of one logits row and the
// result goes to scratch as (value bits, id) pairs; with MERGE it is all chunk
// results of one row and the result goes to the id and value outputs.
//
// The order is total, so after a round takes its winner every remaining
// candidate lies strictly below it: each invocation keeps the best of its own
// candidates, the workgroup picks the best of those, and only the invocation
// that owned the winner looks again for its next best below the winner (a
// scan of its share of the chunk, or a binary search in each of its sorted
// chunk results when merging).
// NaN counts as -inf. Missing candidates (a chunk shorter than k) are the
// pair (-inf, NONE), which sorts after every real id.
layout(constant_id = 0) const uint WG = 128;
layout(local_size_x_id = 0) in;
#include "argmax.glsl"

const uint NONE = 16777215u;  // above every id (vocabularies are checked to stay below)
#define NEG_INF uintBitsToFloat(0xff800000u)

#if defined(MERGE)
layout(std430, binding = 0) readonly buffer Candidates { uint candidates[]; };
layout(std430, binding = 1) writeonly buffer Ids { int out_ids[]; };
layout(std430, binding = 2) writeonly buffer Values { float out_values[]; };
// Each row holds `lists` chunk results of list_len pairs, each sorted best
// first; k: outputs per row; shifts: first element of the bound slices (they
// start at aligned offsets below the data).
layout(push_constant) uniform Params { uint lists; uint list_len; uint k; uint in_shift; uint out_shift; } p;

uint set_base() { return p.in_shift + gl_WorkGroupID.x * p.lists * p.list_len * 2u; }
float value_at(uint base, uint i) { return uintBitsToFloat(candidates[base + 2u * i]); }
uint id_at(uint base, uint i) { return candidates[base + 2u * i + 1u]; }
uint rounds() { return p.k; }
void emit(uint round, float v, uint id) {
    const uint o = p.out_shift + gl_WorkGroupID.x * p.k + round;
    out_values[o] = v;
    out_ids[o] = id == NONE ? -1 : int(id);
}
#else
layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) writeonly buffer Scratch { uint scratch[]; };
// Workgroup (x, y) takes chunk first_chunk + x of row y of the bound slices;
// chunks: chunks per row in the scratch layout of this dispatch.
layout(push_constant) uniform Params {
    uint vocab; uint k; uint chunk_len; uint chunks; uint first_chunk; uint in_shift; uint out_shift;
} p;

uint chunk_start() { return (p.first_chunk + gl_WorkGroupID.x) * p.chunk_len; }
uint set_base() { return p.in_shift + gl_WorkGroupID.y * p.vocab + gl_WorkGroupID.x * p.chunk_len; }
float value_at(uint base, uint i) { return logits[base + i]; }
uint id_at(uint base, uint i) { return chunk_start() + i; }
uint rounds() { return p.k; }
void emit(uint round, float v, uint id) {
    const uint o = p.out_shift + ((gl_WorkGroupID.y * p.chunks + gl_WorkGroupID.x) * p.k + round) * 2u;
    scratch[o] = floatBitsToUint(v);
    scratch[o + 1u] = id;
}
#endif

float sanitized(float v) { return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u ? NEG_INF : v; }

bool better(float av, uint aid, float bv, uint bid) { return argmax_better(av, aid, bv, bid); }

// This invocation's best candidate strictly below the last one it gave away
// (below nothing while taken_any is false); (-inf, NONE) when none is left.
void next_best(uint base, bool taken_any, float taken_v, uint taken_id, out float best_v, out uint best_id) {
    best_v = NEG_INF;
    best_id = NONE;
#if defined(MERGE)
    // Lists are sorted, so the first entry below the threshold is each list's best.
    for (uint list = gl_LocalInvocationIndex; list < p.lists; list += WG) {
        const uint first = list * p.list_len;
        uint lo = 0, hi = p.list_len;
        while (taken_any && lo < hi) {
            const uint mid = (lo + hi) / 2u;
            if (better(taken_v, taken_id, sanitized(value_at(base, first + mid)), id_at(base, first + mid)))
                hi = mid;
            else
                lo = mid + 1u;
        }
        if (lo == p.list_len) continue;
        const float v = sanitized(value_at(base, first + lo));
        const uint id = id_at(base, first + lo);
        if (better(v, id, best_v, best_id)) {
            best_v = v;
            best_id = id;
        }
    }
#else
    const uint n = min(p.chunk_len, p.vocab - chunk_start());
    for (uint i = gl_LocalInvocationIndex; i < n; i += WG) {
        const float v = sanitized(value_at(base, i));
        const uint id = id_at(base, i);
        const bool below = !taken_any || better(taken_v, taken_id, v, id);
        if (below && better(v, id, best_v, best_id)) {
            best_v = v;
            best_id = id;
        }
    }
#endif
}

void main() {
    const uint base = set_base();
    bool taken_any = false;
    float taken_v = NEG_INF;
    uint taken_id = NONE;
    float best_v = NEG_INF;
    uint best_id = NONE;
    bool rescan = true;
    for (uint round = 0; round < rounds(); ++round) {
        if (rescan) next_best(base, taken_any, taken_v, taken_id, best_v, best_id);
        float win_v = best_v;
        uint win_id = best_id;
        workgroup_argmax(win_v, win_id);
        if (gl_LocalInvocationIndex == 0) emit(round, win_v, win_id);
        rescan = best_v == win_v && best_id == win_id;
        if (rescan) {
            taken_any = true;
            taken_v = win_v;
            taken_id = win_id;
        }
    }
}
