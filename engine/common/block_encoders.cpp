#include "common/block_encoders.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/half.h"

namespace vkllm::blocks {

namespace {

constexpr float kMaxHalf = 65504.0f;

// Stores `v` as the block's f16 scale (clamped to the finite f16 range), never
// below |v| in magnitude, and returns the value a decoder will read back. The
// block's largest value then maps to the end code exactly instead of being
// clamped one step short when the f16 rounding went down (which matters most
// for small, subnormal scales).
float put_f16_up(uint8_t* p, float v) {
    uint16_t h = float_to_half(std::clamp(v, -kMaxHalf, kMaxHalf));
    if (std::fabs(half_to_float(h)) < std::fabs(v) && (h & 0x7fff) < 0x7bff) ++h;
    p[0] = uint8_t(h & 0xFF);
    p[1] = uint8_t(h >> 8);
    return half_to_float(h);
}

int round_clamp(float v, int lo, int hi) {
    if (!(v == v)) return lo;
    return std::clamp(int(std::lrint(std::clamp(v, float(lo) - 1.0f, float(hi) + 1.0f))), lo, hi);
}

float max_abs(const float* x, int n) {
    float m = 0;
    for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
    return m;
}

// The element of largest magnitude, with its sign.
float signed_max(const float* x, int n) {
    float m = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > std::fabs(m)) m = x[i];
    return m;
}

// Affine sub-block fit for Q4_K / Q5_K: x ≈ scale * L - minv with
// L in [0, nmax], scale >= 0 and minv >= 0 (the format stores the min as a
// non-negative 6-bit value that is subtracted). Tries inverse scales around
// nmax / (max - min), fits (scale, offset) to each candidate's codes by least
// squares and keeps the candidate with the smallest squared error.
struct AffineFit {
    float scale = 0, minv = 0;
};

AffineFit fit_affine(const float* x, int n, int nmax) {
    float lo = 0, hi = -std::numeric_limits<float>::infinity();
    for (int i = 0; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
    AffineFit best{0, -lo};
    if (!(hi > lo)) return best;  // constant sub-block at or below zero: the min alone holds it
    double best_err = 0, sx2 = 0;
    for (int i = 0; i < n; ++i) {
        best_err += double(x[i] - lo) * double(x[i] - lo);  // the all-min fit
        sx2 += double(x[i]) * x[i];
    }
    int codes[32];
    for (int t = 0; t <= 20; ++t) {
        const float iscale = (float(nmax) - 1.0f + 0.1f * float(t)) / (hi - lo);
        double sl = 0, sl2 = 0, sx = 0, slx = 0;
        for (int i = 0; i < n; ++i) {
            codes[i] = round_clamp(iscale * (x[i] - lo), 0, nmax);
            sl += codes[i], sl2 += double(codes[i]) * codes[i], sx += x[i], slx += double(codes[i]) * x[i];
        }
        if (sl2 == 0) continue;
        const double det = n * sl2 - sl * sl;
        double a, b;
        if (det > 0) {
            a = (n * slx - sl * sx) / det;
            b = (sl2 * sx - sl * slx) / det;
        } else {
            a = slx / sl2, b = 0;
        }
        if (b > 0) b = 0, a = slx / sl2;  // the format cannot add a positive offset
        if (!(a > 0)) continue;
        // Σ (a L + b - x)², expanded so that no second pass over the values is needed.
        const double err = sx2 + a * a * sl2 + n * b * b + 2 * (a * b * sl - a * slx - b * sx);
        if (err < best_err) best_err = err, best = {float(a), float(-b)};
    }
    return best;
}

// Symmetric sub-block fit for Q6_K: x ≈ scale * L with L in [-nmax, nmax - 1];
// the scale may be negative so that the largest magnitude can use code -nmax.
float fit_symmetric(const float* x, int n, int nmax) {
    const float m = signed_max(x, n);
    if (m == 0) return 0;
    float best = 0;
    double sx2 = 0;
    for (int i = 0; i < n; ++i) sx2 += double(x[i]) * x[i];
    double best_err = sx2;
    for (int sign = -1; sign <= 1; sign += 2)
        for (int t = -10; t <= 10; ++t) {
            const float iscale = float(sign) * (float(nmax) + 0.1f * float(t)) / m;
            double slx = 0, sl2 = 0;
            int codes[32];
            for (int i = 0; i < n; ++i) {
                codes[i] = round_clamp(iscale * x[i], -nmax, nmax - 1);
                slx += double(codes[i]) * x[i], sl2 += double(codes[i]) * codes[i];
            }
            if (sl2 == 0) continue;
            const double a = slx / sl2;
            const double err = sx2 - a * slx;  // Σ (a L - x)² at the least-squares a
            if (err < best_err) best_err = err, best = float(a);
        }
    return best;
}

// The 12 packed bytes of eight 6-bit (scale, min) pairs, as k_scale_min reads them.
void pack_k_scales(const uint8_t* scale, const uint8_t* min, uint8_t* s) {
    std::memset(s, 0, 12);
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            s[j] |= scale[j] & 63;
            s[j + 4] |= min[j] & 63;
        } else {
            s[j + 4] = uint8_t((scale[j] & 0xF) | ((min[j] & 0xF) << 4));
            s[j - 4] |= uint8_t((scale[j] >> 4) << 6);
            s[j] |= uint8_t((min[j] >> 4) << 6);
        }
    }
}

// Q4_K and Q5_K share everything but the code width: fits eight 32-value
// sub-blocks, quantizes their scales and mins to 6 bits against f16 d and
// dmin, then codes every value against its sub-block's final scale and min.
// `codes` receives 256 values in [0, nmax].
void encode_k_affine(const float* x, int nmax, uint8_t* header /* 16 bytes */, uint8_t* codes) {
    AffineFit fits[8];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        fits[j] = fit_affine(x + 32 * j, 32, nmax);
        max_scale = std::max(max_scale, fits[j].scale);
        max_min = std::max(max_min, fits[j].minv);
    }
    const float d = put_f16_up(header, max_scale / 63.0f);
    const float dmin = put_f16_up(header + 2, max_min / 63.0f);
    uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; ++j) {
        sc[j] = uint8_t(d > 0 ? round_clamp(fits[j].scale / d, 0, 63) : 0);
        if (sc[j] == 0 && fits[j].scale > 0) sc[j] = 1;  // as in Q6_K: tiny sub-blocks keep a scale
        mn[j] = uint8_t(dmin > 0 ? round_clamp(fits[j].minv / dmin, 0, 63) : 0);
    }
    pack_k_scales(sc, mn, header + 4);
    for (int j = 0; j < 8; ++j) {
        const float scale = d * float(sc[j]), minv = dmin * float(mn[j]);
        for (int l = 0; l < 32; ++l)
            codes[32 * j + l] = uint8_t(scale > 0 ? round_clamp((x[32 * j + l] + minv) / scale, 0, nmax) : 0);
    }
}

}  // namespace

void encode_f32(const float* src, uint64_t n, uint8_t* out) {
    if (n > 0) std::memcpy(out, src, n * 4);
}

void encode_f16(const float* src, uint64_t n, uint8_t* out) {
    for (uint64_t i = 0; i < n; ++i) {
        const uint16_t h = float_to_half(src[i]);
        out[2 * i] = uint8_t(h & 0xFF), out[2 * i + 1] = uint8_t(h >> 8);
    }
}

void encode_bf16(const float* src, uint64_t n, uint8_t* out) {
    for (uint64_t i = 0; i < n; ++i) {
        const uint16_t h = float_to_bf16(src[i]);
        out[2 * i] = uint8_t(h & 0xFF), out[2 * i + 1] = uint8_t(h >> 8);
    }
}

// Q8_0: d = max|x| / 127, q = round(x / d) against the stored (f16) d.
void encode_q8_0(const float* x, uint64_t blocks, uint8_t* b) {
    for (uint64_t i = 0; i < blocks; ++i, x += 32, b += 34) {
        const float d = put_f16_up(b, max_abs(x, 32) / 127.0f);
        const float inv = d > 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < 32; ++j) b[2 + j] = uint8_t(int8_t(round_clamp(x[j] * inv, -127, 127)));
    }
}

// Q4_0: the largest magnitude maps to code 0 (x = -8 d), so d = -max / 8.
void encode_q4_0(const float* x, uint64_t blocks, uint8_t* b) {
    for (uint64_t i = 0; i < blocks; ++i, x += 32, b += 18) {
        const float d = put_f16_up(b, signed_max(x, 32) / -8.0f);
        const float inv = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; ++j) {
            const int lo = round_clamp(x[j] * inv, -8, 7) + 8;
            const int hi = round_clamp(x[j + 16] * inv, -8, 7) + 8;
            b[2 + j] = uint8_t(lo | (hi << 4));
        }
    }
}

void encode_q4_k(const float* x, uint64_t blocks, uint8_t* b) {
    uint8_t codes[256];
    for (uint64_t i = 0; i < blocks; ++i, x += 256, b += 144) {
        encode_k_affine(x, 15, b, codes);
        uint8_t* q = b + 16;
        for (int j = 0; j < 8; j += 2, q += 32)
            for (int l = 0; l < 32; ++l) q[l] = uint8_t(codes[32 * j + l] | (codes[32 * (j + 1) + l] << 4));
    }
}

void encode_q5_k(const float* x, uint64_t blocks, uint8_t* b) {
    uint8_t codes[256];
    for (uint64_t i = 0; i < blocks; ++i, x += 256, b += 176) {
        encode_k_affine(x, 31, b, codes);
        uint8_t* qh = b + 16;
        uint8_t* q = b + 48;
        std::memset(qh, 0, 32);
        for (int j = 0; j < 8; ++j)
            for (int l = 0; l < 32; ++l) qh[l] |= uint8_t(((codes[32 * j + l] >> 4) & 1) << j);
        for (int j = 0; j < 8; j += 2, q += 32)
            for (int l = 0; l < 32; ++l)
                q[l] = uint8_t((codes[32 * j + l] & 0xF) | ((codes[32 * (j + 1) + l] & 0xF) << 4));
    }
}

// Q6_K: sixteen 16-value sub-blocks with signed int8 scales against one f16 d.
void encode_q6_k(const float* x, uint64_t blocks, uint8_t* b) {
    for (uint64_t i = 0; i < blocks; ++i, x += 256, b += 210) {
        float scales[16];
        float max_scale = 0;
        for (int j = 0; j < 16; ++j) {
            scales[j] = fit_symmetric(x + 16 * j, 16, 32);
            max_scale = std::max(max_scale, std::fabs(scales[j]));
        }
        const float d = put_f16_up(b + 208, max_scale / 127.0f);
        int8_t* sc = reinterpret_cast<int8_t*>(b + 192);
        uint8_t codes[256];
        for (int j = 0; j < 16; ++j) {
            // A non-zero sub-block keeps at least the smallest scale: where d
            // sits at the f16 floor the codes can still carry tiny values.
            int s = d > 0 ? round_clamp(scales[j] / d, -127, 127) : 0;
            if (s == 0 && scales[j] != 0) s = scales[j] > 0 ? 1 : -1;
            sc[j] = int8_t(s);
            const float scale = d * float(sc[j]);
            for (int l = 0; l < 16; ++l)
                codes[16 * j + l] = uint8_t((scale != 0 ? round_clamp(x[16 * j + l] / scale, -32, 31) : 0) + 32);
        }
        uint8_t* ql = b;
        uint8_t* qh = b + 128;
        std::memset(qh, 0, 64);
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32) {
            const uint8_t* c = codes + 128 * half;
            for (int l = 0; l < 32; ++l) {
                ql[l] = uint8_t((c[l] & 0xF) | ((c[l + 64] & 0xF) << 4));
                ql[l + 32] = uint8_t((c[l + 32] & 0xF) | ((c[l + 96] & 0xF) << 4));
                qh[l] = uint8_t((c[l] >> 4) | ((c[l + 32] >> 4) << 2) | ((c[l + 64] >> 4) << 4) | ((c[l + 96] >> 4) << 6));
            }
        }
    }
}

}  // namespace vkllm::blocks
