// matvec.comp's row_dots for block formats (weights.glsl with WEIGHT_BLOCKS):
// lane l of a row takes its groups l, l + lanes, ... (blocks/bytes.glsl), so
// neighbouring lanes read neighbouring words of the row's blocks; each group
// is decoded once into 32 floats and dotted with every vector's matching x.
// Rows are whole blocks, so K is a multiple of BLOCK_VALUES (and of 4). With
// NORMED_INPUT x is scaled by the norm's gain and its squares summed, as in
// matvec.comp's float path (every x value is visited once per row).
#if defined(BLOCK_DECODE8)
// Formats with decode8 (eight consecutive values of a block): lane l takes
// eights l, l + lanes, ... of the row, so a subgroup reads its weights and its
// x values as contiguous runs (a lane owning a whole 32-value group spreads one
// load of x over as many cache lines as lanes, which measured 3-10x slower).
void row_dots(Target t, uint row, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint x_base[VECTORS];  // first vec4 of each vector's x row
    for (uint v = 0; v < VECTORS; ++v) x_base[v] = (v < count ? x_row(v0 + v) : 0u) * (p.K / 4u);
    const uint per_block = BLOCK_VALUES / 8u;
    const uint block0 = uint(t.w_row0 + int(row)) * (p.K / BLOCK_VALUES);
    for (uint k8 = lane; k8 < p.K / 8u; k8 += lanes) {
        vec4 w[2];
        decode8(block0 + k8 / per_block, k8 % per_block, w[0], w[1]);
        for (uint half_ = 0u; half_ < 2u; ++half_) {
            const uint k4 = 2u * k8 + half_;
#if defined(NORMED_INPUT)
            w[half_] *= UNIT_OFFSET == 1 ? gain4[k4] + 1.0 : gain4[k4];
#endif
            for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const vec4 xv = x4[x_base[v] + k4];
                    sums[v] += dot(xv, w[half_]);
#if defined(NORMED_INPUT)
                    sums[VECTORS + v] += dot(xv, xv);
#endif
                }
        }
    }
}
#else
void row_dots(Target t, uint row, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint x_base[VECTORS];  // first vec4 of each vector's x row
    for (uint v = 0; v < VECTORS; ++v) x_base[v] = (v < count ? x_row(v0 + v) : 0u) * (p.K / 4u);
    const uint blocks = p.K / BLOCK_VALUES;
    const uint block0 = uint(t.w_row0 + int(row)) * blocks;
    const uint run_vec4s = 8u / RUNS;
    for (uint gi = lane; gi < blocks * GROUPS; gi += lanes) {
        const uint kb = gi / GROUPS, g = gi % GROUPS;
        vec4 w[8];
        decode_group(block0 + kb, g, w);
        for (uint r = 0u; r < RUNS; ++r) {
            const uint x0 = (kb * BLOCK_VALUES + run_start(g, r)) / 4u;
            for (uint j = 0u; j < run_vec4s; ++j)
                for (uint v = 0; v < VECTORS; ++v)
                    if (v < count) {
                        const vec4 xv = x4[x_base[v] + x0 + j];
#if defined(NORMED_INPUT)
                        const vec4 gain_v = UNIT_OFFSET == 1 ? gain4[x0 + j] + 1.0 : gain4[x0 + j];
                        sums[v] += dot(xv * gain_v, w[r * run_vec4s + j]);
                        sums[VECTORS + v] += dot(xv, xv);
#else
                        sums[v] += dot(xv, w[r * run_vec4s + j]);
#endif
                    }
        }
    }
}
#endif
