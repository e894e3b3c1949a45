// An F32/F16/BF16 GGUF file as quantizer input: tensors keep their names and
// row order (q/k rows stay in the converter's order), metadata is copied.
#include "model/gguf_model.h"
#include "model/quantize_source.h"
#include "vkllm/error.h"

namespace vkllm {

std::function<void(uint64_t, float*)> view_row_reader(const TensorView& view,
                                                       std::function<uint64_t(uint64_t)> source_row) {
    const uint64_t cols = view.shape.size() < 2 ? 1 : view.shape.back();  // a 1-D tensor: rows of one value
    const DTypeTraits& traits = dtype_traits(view.dtype);
    if (cols % traits.block_values != 0)
        throw InputError("tensor '" + view.name + "': rows do not fill whole " + traits.name + " blocks");
    const uint64_t row_bytes = cols / traits.block_values * traits.block_bytes;
    const uint64_t rows = cols ? view.elements() / cols : 0;
    if (rows * row_bytes > view.bytes) throw InputError("tensor '" + view.name + "': data is shorter than its shape");
    const uint8_t* data = view.data;
    return [=](uint64_t row, float* out) {
        const uint64_t from = source_row ? source_row(row) : row;
        traits.decode(data + from * row_bytes, cols / traits.block_values, out);
    };
}

QuantizeSource quantize_source_from_gguf(const std::string& path, const QuantizeLog&) {
    auto file = std::make_shared<GgufFile>(GgufFile::open(path));
    ModelConfig config = gguf_to_config(*file);  // refuses architectures the engine cannot load
    validate(config);
    QuantizeSource s;
    s.keep_alive = file;
    s.architecture = std::string(file->find("general.architecture")->string);
    s.layers = config.num_layers;
    const bool tied = file->find_tensor("output.weight") == nullptr;
    for (const GgufTensorInfo& t : file->tensors()) {
        if (t.dtype != DType::F32 && t.dtype != DType::F16 && t.dtype != DType::BF16)
            throw InputError(path + ": tensor '" + t.name + "' is stored as " + dtype_name(t.dtype) +
                             "; quantize reads only F32/F16/BF16 GGUF files (quantizing quantized weights again "
                             "would add their errors)");
        QuantizeSourceTensor out;
        out.role.name = t.name;
        out.role.shape = t.shape;
        out.role.output_head = t.name == "output.weight" || (tied && t.name == "token_embd.weight");
        if (t.name.rfind("blk.", 0) == 0) {
            const size_t digits = t.name.find_first_not_of("0123456789", 4);
            if (digits == 4 || digits == std::string::npos || digits > 13 || t.name[digits] != '.')
                throw InputError(path + ": tensor '" + t.name + "' does not have the form blk.<layer>.<name>");
            out.role.layer = std::stoi(t.name.substr(4, digits - 4));
        }
        out.source_dtype = t.dtype;
        out.source_bytes = t.bytes;
        TensorView view = file->view(t);
        out.read_row = view_row_reader(view);
        s.tensors.push_back(std::move(out));
    }
    s.write_metadata = [file](GgufWriter& w) {
        // general.architecture first, as converters write it.
        w.add_value("general.architecture", *file->find("general.architecture"));
        for (const auto& [key, value] : file->metadata())
            if (key != "general.architecture" && key != "general.alignment" && key != "general.file_type" &&
                key != "general.quantization_version")
                w.add_value(key, value);
    };
    return s;
}

}  // namespace vkllm
