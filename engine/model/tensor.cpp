#include "model/tensor.h"

#include <cstring>

#include "common/half.h"
#include "vkllm/error.h"

namespace vkllm {

const char* dtype_name(DType t) {
    switch (t) {
        case DType::F32: return "f32";
        case DType::F16: return "f16";
        case DType::BF16: return "bf16";
        case DType::Q8_0: return "q8_0";
        case DType::Q4_0: return "q4_0";
    }
    return "?";
}

size_t dtype_block_elements(DType t) {
    return (t == DType::Q8_0 || t == DType::Q4_0) ? 32 : 1;
}

size_t dtype_block_bytes(DType t) {
    switch (t) {
        case DType::F32: return 4;
        case DType::F16: return 2;
        case DType::BF16: return 2;
        case DType::Q8_0: return 34;
        case DType::Q4_0: return 18;
    }
    return 0;
}

size_t dtype_storage_bytes(DType t, uint64_t elements) {
    size_t block = dtype_block_elements(t);
    if (elements % block != 0)
        throw InputError(std::string("element count ") + std::to_string(elements) +
                         " is not a multiple of the " + dtype_name(t) + " block size " + std::to_string(block));
    return size_t(elements / block) * dtype_block_bytes(t);
}

uint64_t TensorView::elements() const {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    return n;
}

namespace {
uint16_t load_u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
}  // namespace

void dequantize_to_f32(const TensorView& t, float* out) {
    const uint64_t n = t.elements();
    if (t.bytes < dtype_storage_bytes(t.dtype, n))
        throw InputError("tensor '" + t.name + "': " + std::to_string(t.bytes) + " bytes stored, " +
                         std::to_string(dtype_storage_bytes(t.dtype, n)) + " needed");
    const uint8_t* p = t.data;
    switch (t.dtype) {
        case DType::F32:
            if (n > 0) std::memcpy(out, p, n * 4);  // empty tensors may have no data pointer
            break;
        case DType::F16:
            for (uint64_t i = 0; i < n; ++i) out[i] = half_to_float(load_u16(p + 2 * i));
            break;
        case DType::BF16:
            for (uint64_t i = 0; i < n; ++i) out[i] = bf16_to_float(load_u16(p + 2 * i));
            break;
        case DType::Q8_0:
            for (uint64_t b = 0; b < n / 32; ++b, p += 34) {
                float d = half_to_float(load_u16(p));
                for (int j = 0; j < 32; ++j) out[b * 32 + j] = d * float(int8_t(p[2 + j]));
            }
            break;
        case DType::Q4_0:
            for (uint64_t b = 0; b < n / 32; ++b, p += 18) {
                float d = half_to_float(load_u16(p));
                for (int j = 0; j < 16; ++j) {
                    out[b * 32 + j] = d * float(int(p[2 + j] & 0xF) - 8);
                    out[b * 32 + j + 16] = d * float(int(p[2 + j] >> 4) - 8);
                }
            }
            break;
    }
}

std::vector<float> to_f32(const TensorView& t) {
    std::vector<float> out(t.elements());
    dequantize_to_f32(t, out.data());
    return out;
}

}  // namespace vkllm
