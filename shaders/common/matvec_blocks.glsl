// matvec.comp's row_dots for block formats (weights.glsl with WEIGHT_BLOCKS):
// with decode8 (eight consecutive values of a block, blocks/bytes.glsl) lane l takes
// eights l, l + lanes, ... of the rows, so a subgroup reads its weights and its
// x values as contiguous runs (a lane owning a whole 32-value group spreads one
// load of x over as many cache lines as lanes, which measured 2-3x slower on
// an H200). Each x load serves the ROWS rows of the group, whose eight values
// are decoded side by side (independent loads in flight). Rows are whole
// blocks, so K is a multiple of BLOCK_VALUES. With NORMED_INPUT x is scaled by
// the norm's gain and its squares summed, as in matvec.comp's float path.
void row_dots(Target t, uint row0, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint x_base[VECTORS];  // first vec4 of each vector's x row
    [[unroll]] for (uint v = 0; v < VECTORS; ++v) x_base[v] = (v < count ? x_row(v0 + v) : 0u) * (p.K / 4u);
    const uint per_block = BLOCK_VALUES / 8u;
    uint block0[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) block0[r] = group_weight_row(t, row0, r) * (p.K / BLOCK_VALUES);
    for (uint k8 = lane; k8 < p.K / 8u; k8 += lanes) {
        const uint block = k8 / per_block, e = k8 % per_block;
        vec4 w[ROWS][2];
        [[unroll]] for (uint r = 0; r < ROWS; ++r) decode8(block0[r] + block, e, w[r][0], w[r][1]);
        [[unroll]] for (uint half_ = 0u; half_ < 2u; ++half_) {
            const uint k4 = 2u * k8 + half_;
            [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const vec4 xv = x4[x_base[v] + k4], xg = gained4(xv, k4);
                    [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] += dot(xg, w[r][half_]);
#if defined(NORMED_INPUT)
                    sums[DOTS + v] += dot(xv, xv);
#endif
                }
        }
    }
}
