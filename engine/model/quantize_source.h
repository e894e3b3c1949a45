#pragma once
// The quantizer's view of its input (internal to model/quantize*.cpp): tensors
// under their GGUF names in the order they will be written, each readable one
// row at a time as floats, and the metadata the output file carries.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/gguf_writer.h"
#include "model/quantize.h"

namespace vkllm {

struct QuantizeSourceTensor {
    QuantizeTensorRole role;  // GGUF name, row-major shape, head / layer
    DType source_dtype;
    uint64_t source_bytes;
    // Decodes row `row` into `out`: shape.back() values of a matrix (rows count
    // every outer dimension), one value of a 1-D tensor.
    std::function<void(uint64_t row, float* out)> read_row;
};

struct QuantizeSource {
    std::string architecture;  // GGUF general.architecture
    uint32_t layers = 0;
    std::vector<QuantizeSourceTensor> tensors;
    // Writes every metadata key except general.alignment, general.file_type and
    // general.quantization_version, which the driver owns.
    std::function<void(GgufWriter&)> write_metadata;
    std::shared_ptr<void> keep_alive;  // the mapped input
};

using QuantizeLog = std::function<void(const std::string&)>;

QuantizeSource quantize_source_from_hf(const std::string& dir, const QuantizeLog& log);
QuantizeSource quantize_source_from_gguf(const std::string& path, const QuantizeLog& log);

// Row reader over a view whose rows are contiguous (every supported dtype),
// optionally taking output row r from source row source_row(r).
std::function<void(uint64_t, float*)> view_row_reader(const TensorView& view,
                                                       std::function<uint64_t(uint64_t)> source_row = nullptr);

}  // namespace vkllm
