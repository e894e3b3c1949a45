// matvec.comp's row_dots for block formats (weights.glsl with WEIGHT_BLOCKS):
// with decode8 (eight consecutive values of a block, blocks/bytes.glsl) lane l takes
// eights l, l + lanes, ... of the rows, so a subgroup reads its weights and its
// x values as contiguous runs (a lane owning a whole 32-value group spreads one
// load of x over as many cache lines as lanes, which measured 2-3x slower on
// an H200). Each x load serves the ROWS rows of the group, whose eight values
// are decoded side by side (independent loads in flight). Rows are whole
// blocks, so K is a multiple of BLOCK_VALUES. With NORMED_INPUT x is scaled by
// the norm's gain and its squares summed, as in matvec.comp's float path.
// A lane decodes LOADS eights (lanes apart) before it uses any: the loop does
// not overlap its steps, so these loads are all the lane has in flight, and
// one eight of a block is only 4 to 8.5 bytes.
void row_dots(Target t, uint row0, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint x_base[VECTORS];  // first vec4 of each vector's x row
    [[unroll]] for (uint v = 0; v < VECTORS; ++v) x_base[v] = (v < count ? x_row(v0 + v) : 0u) * (p.K / 4u);
    const uint per_block = BLOCK_VALUES / 8u;
    uint block0[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) block0[r] = group_weight_row(t, row0, r) * (p.K / BLOCK_VALUES);
    const uint eights = p.K / 8u;
    for (uint k8 = lane; k8 < eights; k8 += lanes * LOADS) {
        vec4 w[LOADS][ROWS][2];
        [[unroll]] for (uint u = 0; u < LOADS; ++u) {
            // Past the row's end a lane decodes its first eight again, unused.
            const uint at = k8 + u * lanes < eights ? k8 + u * lanes : k8;
            const uint block = at / per_block, e = at % per_block;
            [[unroll]] for (uint r = 0; r < ROWS; ++r) decode8(block0[r] + block, e, w[u][r][0], w[u][r][1]);
        }
        [[unroll]] for (uint u = 0; u < LOADS; ++u) {
            const uint at = k8 + u * lanes;
            if (at >= eights) break;
            [[unroll]] for (uint half_ = 0u; half_ < 2u; ++half_) {
                const uint k4 = 2u * at + half_;
                [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                    if (v < count) {
                        const vec4 xv = x4[x_base[v] + k4], xg = gained4(xv, k4);
                        [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] += dot(xg, w[u][r][half_]);
#if defined(NORMED_INPUT)
                        sums[DOTS + v] += dot(xv, xv);
#endif
                    }
            }
        }
    }
}
