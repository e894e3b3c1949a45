#version 450
// Grouping of one step's expert assignments, in a single workgroup because
// expert loads are global to the step:
//  1. each of a token's k slots gets an expert: its rank-j choice, or under a
//     capacity the policy's choice (ops/moe.h); -1 passes the slot on the
//     residual;
//  2. slot weights: router probability, divided by the sum over the token's
//     top-k probabilities when renormalising;
//  3. grouped rows: the slots of expert 0, then of expert 1, ... (order inside
//     an expert is free: every row is computed on its own), and the matmul
//     tiles covering them (at most TILE_ROWS rows of one expert each);
//  4. routing statistics, added to the running totals.
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint TILE_ROWS = 64;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Probs { float probs[]; };    // [n, experts]
layout(std430, binding = 1) readonly buffer Ranking { int ranking[]; };  // [n, experts]
layout(std430, binding = 2) coherent buffer Slots { ivec4 slots[]; };    // [n, k]: expert, grouped row, weight bits, 0
layout(std430, binding = 3) writeonly buffer GroupedRows { ivec2 grouped_rows[]; };  // [n * k]: token, expert
layout(std430, binding = 4) writeonly buffer Tiles { uvec4 tiles[]; };   // expert, first row, rows, 0
// Running totals: chosen[experts] (top-k choices), probability sums[experts]
// (float bits), assigned[experts] (after capacity), dropped slots, tokens.
layout(std430, binding = 5) buffer Stats { uint stats[]; };
layout(push_constant) uniform Params {
    uint n, k, experts;
    uint capacity;   // most slots per expert; 0: unlimited
    uint next_best;  // over capacity: 1 tries the next-ranked experts, 0 drops the slot
    uint renormalize;
    uint max_tiles;
} p;

const uint MAX_EXPERTS = 512;
shared uint load[MAX_EXPERTS];
shared uint chosen[MAX_EXPERTS];
shared uint first_row[MAX_EXPERTS];
shared uint cursor[MAX_EXPERTS];
shared uint used_rows, used_tiles;

void main() {
    const uint tid = gl_LocalInvocationIndex;
    const uint slot_count = p.n * p.k;
    for (uint e = tid; e < p.experts; e += WG) {
        load[e] = 0;
        chosen[e] = 0;
        cursor[e] = 0;
    }
    barrier();

    // 1. Experts of the slots.
    for (uint a = tid; a < slot_count; a += WG) {
        const int e = ranking[(a / p.k) * p.experts + a % p.k];
        atomicAdd(chosen[e], 1u);
        if (p.capacity == 0) {
            slots[a] = ivec4(e, -1, 0, 0);
            atomicAdd(load[e], 1u);
        }
    }
    if (p.capacity != 0 && tid == 0) {
        // Tokens in order, each taking its choices best first while experts have room.
        for (uint t = 0; t < p.n; ++t) {
            uint r = 0;
            for (uint j = 0; j < p.k; ++j) {
                int taken = -1;
                while (r < p.experts) {
                    const int e = ranking[t * p.experts + r];
                    ++r;
                    if (load[e] < p.capacity) {
                        taken = e;
                        ++load[e];
                        break;
                    }
                    if (p.next_best == 0) break;
                }
                slots[t * p.k + j] = ivec4(taken, -1, 0, 0);
            }
        }
    }
    memoryBarrierBuffer();
    barrier();

    // 3a. Where each expert's rows start, and the tiles over them.
    if (tid == 0) {
        uint row = 0, tile = 0;
        for (uint e = 0; e < p.experts; ++e) {
            first_row[e] = row;
            for (uint r0 = 0; r0 < load[e] && tile < p.max_tiles; r0 += TILE_ROWS)
                tiles[tile++] = uvec4(e, row + r0, min(TILE_ROWS, load[e] - r0), 0);
            row += load[e];
        }
        used_rows = row;
        used_tiles = tile;
    }
    barrier();
    for (uint i = used_tiles + tid; i < p.max_tiles; i += WG) tiles[i] = uvec4(0);
    for (uint r = used_rows + tid; r < slot_count; r += WG) grouped_rows[r] = ivec2(0, -1);

    // 2 and 3b. Slot weights and grouped rows.
    for (uint a = tid; a < slot_count; a += WG) {
        const uint t = a / p.k;
        const int e = slots[a].x;
        if (e < 0) {
            slots[a] = ivec4(-1, -1, floatBitsToInt(0.0), 0);
            continue;
        }
        float denominator = 1.0;
        if (p.renormalize != 0) {
            denominator = 0.0;
            for (uint j = 0; j < p.k; ++j) denominator += probs[t * p.experts + uint(ranking[t * p.experts + j])];
            // Sigmoids of logits below about -88 are 0 in float32: a zero sum leaves zero weights, not NaN.
            if (denominator <= 0.0) denominator = 1.0;
        }
        const uint row = first_row[e] + atomicAdd(cursor[e], 1u);
        grouped_rows[row] = ivec2(int(t), e);
        slots[a] = ivec4(e, int(row), floatBitsToInt(probs[t * p.experts + uint(e)] / denominator), 0);
    }

    // 4. Statistics.
    for (uint e = tid; e < p.experts; e += WG) {
        float prob_sum = 0.0;
        for (uint t = 0; t < p.n; ++t) prob_sum += probs[t * p.experts + e];
        stats[e] += chosen[e];
        stats[p.experts + e] = floatBitsToUint(uintBitsToFloat(stats[p.experts + e]) + prob_sum);
        stats[2 * p.experts + e] += load[e];
    }
    if (tid == 0) {
        stats[3 * p.experts] += slot_count - used_rows;
        stats[3 * p.experts + 1] += p.n;
    }
}
