// matvec.comp's row_dots for block formats (weights.glsl with WEIGHT_BLOCKS):
// a lane decodes PIECE consecutive values of a block per step (decode8, or
// decode16 where the format's one load brings sixteen, blocks/bytes.glsl) and
// lane l takes pieces l, l + lanes, ... of the rows, so a subgroup reads its
// weights and its x values as contiguous runs (a lane owning a whole 32-value
// group spreads one load of x over as many cache lines as lanes, which
// measured 2-3x slower on an H200). Each x load serves the ROWS rows of the
// group, whose pieces are decoded side by side (independent loads in flight).
// Rows are whole blocks, so K is a multiple of BLOCK_VALUES. With
// NORMED_INPUT x is scaled by the norm's gain and its squares summed, as in
// matvec.comp's float path.
#if defined(BLOCK_DECODE16)
const uint PIECE = 16u;
void decode_piece(uint block, uint e, out vec4 w[PIECE / 4u]) { decode16(block, e, w); }
#else
const uint PIECE = 8u;
void decode_piece(uint block, uint e, out vec4 w[PIECE / 4u]) { decode8(block, e, w[0], w[1]); }
#endif

void row_dots(Target t, uint row0, uint v0, uint count, uint lane, uint lanes, inout float sums[SLOTS]) {
    uint x_base[VECTORS];  // first vec4 of each vector's x row
    [[unroll]] for (uint v = 0; v < VECTORS; ++v) x_base[v] = (v < count ? x_row(v0 + v) : 0u) * (p.K / 4u);
    const uint per_block = BLOCK_VALUES / PIECE;
    uint block0[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) block0[r] = group_weight_row(t, row0, r) * (p.K / BLOCK_VALUES);
    for (uint piece = lane; piece < p.K / PIECE; piece += lanes) {
        const uint block = piece / per_block, e = piece % per_block;
        vec4 w[ROWS][PIECE / 4u];
        [[unroll]] for (uint r = 0; r < ROWS; ++r) decode_piece(block0[r] + block, e, w[r]);
        [[unroll]] for (uint quarter = 0u; quarter < PIECE / 4u; ++quarter) {
            const uint k4 = (PIECE / 4u) * piece + quarter;
            [[unroll]] for (uint v = 0; v < VECTORS; ++v)
                if (v < count) {
                    const vec4 xv = x4[x_base[v] + k4], xg = gained4(xv, k4);
                    [[unroll]] for (uint r = 0; r < ROWS; ++r) sums[r * VECTORS + v] += dot(xg, w[r][quarter]);
#if defined(NORMED_INPUT)
                    sums[DOTS + v] += dot(xv, xv);
#endif
                }
        }
    }
}
