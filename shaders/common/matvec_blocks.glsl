// matvec.comp's row_dots for block formats (weights.glsl with WEIGHT_BLOCKS):
// with decode8 (eight consecutive values of a block, blocks/bytes.glsl) lane l takes
// eights l, l + lanes, ... of the row, so a subgroup reads its weights and its
// x values as contiguous runs (a lane owning a whole 32-value group spreads one
// load of x over as many cache lines as lanes, which measured 2-3x slower on
// an H200). Rows are whole blocks, so K is a multiple of BLOCK_VALUES. With
// NORMED_INPUT x is scaled by the norm's gain and its squares summed, as in
// matvec.comp's float path.
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
