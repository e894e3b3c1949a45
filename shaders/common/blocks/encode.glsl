// Encoding blocks on the device (the quantized KV cache), with the rules of
// the CPU encoders in engine/common/block_encoders.cpp, so that a block
// written here decodes as the CPU's encoding of the same values would. Each
// blocks/<format>.glsl that can be written defines, under BLOCK_ENCODER:
//   float encode_scale(const float x[BLOCK_VALUES])   the block's scale before f16 rounding
//   uint encode_byte(const float x[BLOCK_VALUES], float inv, uint j)
//                                  byte 2 + j of the block (after its f16 scale),
//                                  `inv` = 1 / the stored scale (0 for a zero scale)

// f16 bits of `v`, rounded away from zero where rounding lost magnitude (as
// put_f16_up: the largest value then maps to the end code), clamped to the finite range.
uint f16_bits_up(float v) {
    v = clamp(v, -65504.0, 65504.0);
    uint h = packHalf2x16(vec2(v, 0.0)) & 0xFFFFu;
    if (abs(unpackHalf2x16(h).x) < abs(v) && (h & 0x7FFFu) < 0x7BFFu) ++h;
    return h;
}

// Nearest integer (ties to even, as lrint) clamped to [lo, hi]; NaN gives lo.
int round_clamp(float v, int lo, int hi) {
    if (isnan(v)) return lo;
    return clamp(int(roundEven(clamp(v, float(lo) - 1.0, float(hi) + 1.0))), lo, hi);
}
