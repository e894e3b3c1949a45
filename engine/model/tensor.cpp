#include "model/tensor.h"

#include <cstring>

#include "vkllm/error.h"

namespace vkllm {

const char* dtype_name(DType t) { return dtype_traits(t).name; }
size_t dtype_block_elements(DType t) { return dtype_traits(t).block_values; }
size_t dtype_block_bytes(DType t) { return dtype_traits(t).block_bytes; }

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

void dequantize_to_f32(const TensorView& t, float* out) {
    const uint64_t n = t.elements();
    if (t.bytes < dtype_storage_bytes(t.dtype, n))
        throw InputError("tensor '" + t.name + "': " + std::to_string(t.bytes) + " bytes stored, " +
                         std::to_string(dtype_storage_bytes(t.dtype, n)) + " needed");
    const DTypeTraits& traits = dtype_traits(t.dtype);
    traits.decode(t.data, n / traits.block_values, out);
}

std::vector<float> to_f32(const TensorView& t) {
    std::vector<float> out(t.elements());
    dequantize_to_f32(t, out.data());
    return out;
}

}  // namespace vkllm
