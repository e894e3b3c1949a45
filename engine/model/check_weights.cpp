// check_weights: the weights a loader produced match what the config needs.
// Kept apart from load.cpp so it can be used without pulling in every loader.
#include <cstring>

#include "model/expected_tensors.h"
#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// Scans the raw bits (no float conversion): quick even on multi-gigabyte models.
template <class Word>
int64_t first_non_finite(const uint8_t* data, uint64_t count, size_t stride, Word exponent_mask) {
    for (uint64_t i = 0; i < count; ++i) {
        Word w;
        std::memcpy(&w, data + i * stride, sizeof w);
        if ((w & exponent_mask) == exponent_mask) return int64_t(i);
    }
    return -1;
}

// Index of the first NaN/Inf element (or block scale, for quantized types), or -1.
int64_t first_non_finite(const TensorView& t) {
    const uint64_t n = t.elements();
    switch (t.dtype) {
        case DType::F32: return first_non_finite<uint32_t>(t.data, n, 4, 0x7f800000u);
        case DType::F16: return first_non_finite<uint16_t>(t.data, n, 2, uint16_t(0x7c00));
        case DType::BF16: return first_non_finite<uint16_t>(t.data, n, 2, uint16_t(0x7f80));
        default: {
            // Block formats: their f16 scales (a NaN/Inf code would poison a whole block).
            const DTypeTraits& traits = dtype_traits(t.dtype);
            const uint64_t blocks = n / traits.block_values;
            for (uint32_t s = 0; s < traits.scale_count; ++s) {
                int64_t block = first_non_finite<uint16_t>(t.data + traits.scale_offsets[s], blocks, traits.block_bytes,
                                                           uint16_t(0x7c00));
                if (block >= 0) return block * traits.block_values;
            }
            return -1;
        }
    }
    return -1;
}

}  // namespace

void check_weights(const ModelConfig& config, const ModelWeights& weights) {
    const std::string source = weights.source.empty() ? config.source_path : weights.source;
    for (const ExpectedTensor& want : expected_tensors(config)) {
        const TensorView* t = weights.find(want.name);
        if (!t)
            throw InputError(source + ": missing tensor '" + want.name + "' (expected shape " +
                             shape_text(want.shape) + ": " + want.why + ")");
        if (t->shape != want.shape)
            throw InputError(source + ": tensor '" + want.name + "' has shape " + shape_text(t->shape) +
                             ", expected " + shape_text(want.shape) + " (" + want.why + ")");
        if (t->elements() % dtype_block_elements(t->dtype) != 0)
            throw InputError(source + ": tensor '" + want.name + "' of shape " + shape_text(t->shape) +
                             " does not fill whole " + dtype_name(t->dtype) + " blocks");
        const size_t needed = dtype_storage_bytes(t->dtype, t->elements());
        if (t->bytes < needed || (needed > 0 && t->data == nullptr))
            throw InputError(source + ": tensor '" + want.name + "' holds " + std::to_string(t->bytes) +
                             " bytes, its shape and dtype need " + std::to_string(needed));
        int64_t bad = first_non_finite(*t);
        if (bad >= 0)
            throw InputError(source + ": tensor '" + want.name + "' holds NaN or Inf (at element " +
                             std::to_string(bad) + ")");
    }
}

}  // namespace vkllm
