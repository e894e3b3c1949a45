// position * f reduced to about [-pi, pi] with float32 accuracy even at large
// positions, where a plain product and a driver's own range reduction lose
// digits. The product's rounding error is recovered exactly (Dekker: both
// factors split into 12-bit halves, whose products are exact; this needs no
// fused multiply-add), and 2 pi is subtracted Cody-Waite style: 6.28125 has
// 8 significant bits, so k * 6.28125 is exact for k < 2^16.
float reduced_angle(uint position, float f) {
    const float pos_hi = float(position & ~0xFFFu), pos_lo = float(position & 0xFFFu);
    const float f_hi = uintBitsToFloat(floatBitsToUint(f) & 0xFFFFF000u);
    precise float f_lo = f - f_hi;
    precise float hi = float(position) * f;
    precise float lo = ((pos_hi * f_hi - hi) + pos_hi * f_lo + pos_lo * f_hi) + pos_lo * f_lo;
    const float k = round(hi * 0.15915494309189535);
    precise float r = hi - k * 6.28125;
    r = r - k * 0.0019353071693331003;
    r = r - k * 1.0253376273028358e-11;
    return r + lo;
}
