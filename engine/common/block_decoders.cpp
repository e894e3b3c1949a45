#include "common/block_decoders.h"

#include <cstring>

#include "common/half.h"

namespace vkllm::blocks {

const int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

namespace {
uint16_t u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
float f16(const uint8_t* p) { return half_to_float(u16(p)); }
}  // namespace

void decode_f32(const uint8_t* src, uint64_t n, float* out) {
    if (n > 0) std::memcpy(out, src, n * 4);  // empty tensors may have no data pointer
}

void decode_f16(const uint8_t* src, uint64_t n, float* out) {
    for (uint64_t i = 0; i < n; ++i) out[i] = half_to_float(u16(src + 2 * i));
}

void decode_bf16(const uint8_t* src, uint64_t n, float* out) {
    for (uint64_t i = 0; i < n; ++i) out[i] = bf16_to_float(u16(src + 2 * i));
}

// Q4_0 (18 bytes): f16 d, 16 bytes of codes; value j is low nibble of byte j,
// value j + 16 the high nibble; x = d * (q - 8).
void decode_q4_0(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 18, out += 32) {
        const float d = f16(b);
        for (int j = 0; j < 16; ++j) {
            out[j] = d * float(int(b[2 + j] & 0xF) - 8);
            out[j + 16] = d * float(int(b[2 + j] >> 4) - 8);
        }
    }
}

// Q4_1 (20 bytes): f16 d, f16 m, 16 bytes of codes; x = d * q + m.
void decode_q4_1(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 20, out += 32) {
        const float d = f16(b), m = f16(b + 2);
        for (int j = 0; j < 16; ++j) {
            out[j] = d * float(b[4 + j] & 0xF) + m;
            out[j + 16] = d * float(b[4 + j] >> 4) + m;
        }
    }
}

// Q5_0 (22 bytes): f16 d, 32 high bits (bit j of value j), 16 bytes of low
// nibbles as in Q4_0; x = d * (q - 16).
void decode_q5_0(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 22, out += 32) {
        const float d = f16(b);
        const uint32_t qh = u32(b + 2);
        for (int j = 0; j < 16; ++j) {
            const int lo = (b[6 + j] & 0xF) | int((qh >> j) & 1u) << 4;
            const int hi = (b[6 + j] >> 4) | int((qh >> (j + 16)) & 1u) << 4;
            out[j] = d * float(lo - 16);
            out[j + 16] = d * float(hi - 16);
        }
    }
}

// Q5_1 (24 bytes): f16 d, f16 m, 32 high bits, 16 bytes of low nibbles; x = d * q + m.
void decode_q5_1(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 24, out += 32) {
        const float d = f16(b), m = f16(b + 2);
        const uint32_t qh = u32(b + 4);
        for (int j = 0; j < 16; ++j) {
            const int lo = (b[8 + j] & 0xF) | int((qh >> j) & 1u) << 4;
            const int hi = (b[8 + j] >> 4) | int((qh >> (j + 16)) & 1u) << 4;
            out[j] = d * float(lo) + m;
            out[j + 16] = d * float(hi) + m;
        }
    }
}

// Q8_0 (34 bytes): f16 d, 32 int8; x = d * q.
void decode_q8_0(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 34, out += 32) {
        const float d = f16(b);
        for (int j = 0; j < 32; ++j) out[j] = d * float(int8_t(b[2 + j]));
    }
}

// Q8_0X8 (272 bytes, 256 values): the f16 scales of eight Q8_0 blocks, then
// their 8 x 32 codes; value i = d[i / 32] * q[i].
void decode_q8_0x8(const uint8_t* b, uint64_t groups, float* out) {
    for (uint64_t g = 0; g < groups; ++g, b += 272, out += 256)
        for (int i = 0; i < 256; ++i) out[i] = f16(b + 2 * (i / 32)) * float(int8_t(b[16 + i]));
}

void regroup_q8_0x8(const uint8_t* src, uint64_t groups, uint8_t* out) {
    for (uint64_t g = 0; g < groups; ++g, src += 8 * 34, out += 272)
        for (int j = 0; j < 8; ++j) {
            std::memcpy(out + 2 * j, src + 34 * j, 2);
            std::memcpy(out + 16 + 32 * j, src + 34 * j + 2, 32);
        }
}

// Q2_K (84 bytes): 16 scale bytes (low nibble scale, high nibble min, one per
// 16 values), 64 bytes of 2-bit codes, f16 d, f16 dmin. Each 128-value half
// uses 32 code bytes; within it, shift 2s selects values [32 s, 32 s + 32).
void decode_q2_k(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 84) {
        const uint8_t* scales = b;
        const uint8_t* q = b + 16;
        const float d = f16(b + 80), dmin = f16(b + 82);
        int is = 0;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2)
                for (int part = 0; part < 2; ++part, ++is) {
                    const float dl = d * float(scales[is] & 0xF), ml = dmin * float(scales[is] >> 4);
                    for (int l = 0; l < 16; ++l) *out++ = dl * float((q[part * 16 + l] >> shift) & 3) - ml;
                }
    }
}

// Q3_K (110 bytes): 32 bytes of high bits, 64 bytes of 2-bit codes laid out as
// Q2_K's, 12 bytes of sixteen 6-bit scales (stored offset by 32), f16 d. The
// high bit of value k (0..31) of the i-th 32-value group is bit i of hmask[k];
// a clear high bit subtracts 4: x = d * (scale - 32) * (q - 4 * !high).
void decode_q3_k(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 110) {
        const uint8_t* hmask = b;
        const uint8_t* q = b + 32;
        const uint8_t* packed = b + 96;
        const float d = f16(b + 108);
        int8_t scales[16];
        for (int j = 0; j < 16; ++j) {
            // Low 4 bits: low nibbles of bytes 0..7, then their high nibbles;
            // high 2 bits: bit pair j / 4 of byte 8 + j % 4.
            const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
            const int high = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
            scales[j] = int8_t((low | high << 4) - 32);
        }
        int is = 0;
        uint8_t m = 1;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2, m <<= 1)
                for (int part = 0; part < 2; ++part, ++is) {
                    const float dl = d * float(scales[is]);
                    for (int l = 0; l < 16; ++l) {
                        const int k = part * 16 + l;
                        const int code = int((q[k] >> shift) & 3) - ((hmask[k] & m) ? 0 : 4);
                        *out++ = dl * float(code);
                    }
                }
    }
}

void k_scale_min(const uint8_t* s, int j, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = s[j] & 63;
        min = s[j + 4] & 63;
    } else {
        scale = uint8_t((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
        min = uint8_t((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

// Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of eight 6-bit (scale, min)
// pairs, 128 bytes of codes. Each 64 values use 32 code bytes: low nibbles
// first (sub-block 2k), then high nibbles (2k + 1); x = d * scale * q - dmin * min.
void decode_q4_k(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 144) {
        const float d = f16(b), dmin = f16(b + 2);
        const uint8_t* q = b + 16;
        for (int j = 0; j < 8; j += 2, q += 32) {
            uint8_t s0, m0, s1, m1;
            k_scale_min(b + 4, j, s0, m0);
            k_scale_min(b + 4, j + 1, s1, m1);
            for (int l = 0; l < 32; ++l) *out++ = d * float(s0) * float(q[l] & 0xF) - dmin * float(m0);
            for (int l = 0; l < 32; ++l) *out++ = d * float(s1) * float(q[l] >> 4) - dmin * float(m1);
        }
    }
}

// Q5_K (176 bytes): as Q4_K plus 32 bytes of high bits (offset 16; bit j of
// byte l is the fifth bit of value l of sub-block j), codes at offset 48.
void decode_q5_k(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 176) {
        const float d = f16(b), dmin = f16(b + 2);
        const uint8_t* qh = b + 16;
        const uint8_t* q = b + 48;
        for (int j = 0; j < 8; j += 2, q += 32) {
            uint8_t s0, m0, s1, m1;
            k_scale_min(b + 4, j, s0, m0);
            k_scale_min(b + 4, j + 1, s1, m1);
            for (int l = 0; l < 32; ++l)
                *out++ = d * float(s0) * float((q[l] & 0xF) | (((qh[l] >> j) & 1) << 4)) - dmin * float(m0);
            for (int l = 0; l < 32; ++l)
                *out++ = d * float(s1) * float((q[l] >> 4) | (((qh[l] >> (j + 1)) & 1) << 4)) - dmin * float(m1);
        }
    }
}

// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs,
// 16 int8 scales (one per 16 values), f16 d; x = d * scale * (q - 32).
void decode_q6_k(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 210) {
        const uint8_t* ql = b;
        const uint8_t* qh = b + 128;
        const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
        const float d = f16(b + 208);
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, out += 128)
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = int((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                out[l] = d * float(sc[is]) * float(q1);
                out[l + 32] = d * float(sc[is + 2]) * float(q2);
                out[l + 64] = d * float(sc[is + 4]) * float(q3);
                out[l + 96] = d * float(sc[is + 6]) * float(q4);
            }
    }
}

// IQ4_NL (18 bytes): f16 d, 16 bytes of codes into kIq4Values, nibble order as Q4_0.
void decode_iq4_nl(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 18, out += 32) {
        const float d = f16(b);
        for (int j = 0; j < 16; ++j) {
            out[j] = d * float(kIq4Values[b[2 + j] & 0xF]);
            out[j + 16] = d * float(kIq4Values[b[2 + j] >> 4]);
        }
    }
}

// IQ4_XS (136 bytes): f16 d, u16 of high scale bits (2 per sub-block), 4 bytes
// of low scale nibbles, 128 bytes of codes (16 per 32-value sub-block, nibble
// order as Q4_0); x = d * (scale - 32) * kIq4Values[q].
void decode_iq4_xs(const uint8_t* b, uint64_t blocks, float* out) {
    for (uint64_t i = 0; i < blocks; ++i, b += 136) {
        const float d = f16(b);
        const uint16_t scales_h = u16(b + 2);
        const uint8_t* scales_l = b + 4;
        const uint8_t* q = b + 8;
        for (int ib = 0; ib < 8; ++ib, q += 16, out += 32) {
            const int ls = ((scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scales_h >> (2 * ib)) & 3) << 4);
            const float dl = d * float(ls - 32);
            for (int j = 0; j < 16; ++j) {
                out[j] = dl * float(kIq4Values[q[j] & 0xF]);
                out[j + 16] = dl * float(kIq4Values[q[j] >> 4]);
            }
        }
    }
}

}  // namespace vkllm::blocks
