// The `vkllm quantize` driver: input -> per-tensor type -> header with fixed
// offsets -> one tensor at a time, decoded row by row, encoded and written.
#include "model/quantize.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "model/quantize_source.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<uint64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

QuantizeSource open_source(const std::string& input, const QuantizeLog& log) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
        if (!fs::exists(fs::path(input) / "config.json", ec))
            throw InputError(input + ": not a Hugging Face model directory (no config.json)");
        return quantize_source_from_hf(input, log);
    }
    if (!fs::exists(input, ec)) throw InputError(input + ": no such file or directory");
    if (fs::path(input).extension() == ".toml") return quantize_source_from_hf(input, log);
    if (fs::path(input).extension() != ".gguf")
        throw InputError(input + ": expected a Hugging Face directory, a model .toml or an F32/F16/BF16 .gguf file");
    return quantize_source_from_gguf(input, log);
}

// Bytes of encoded rows gathered before one write.
constexpr size_t kChunkBytes = 4u << 20;

}  // namespace

QuantizeSummary quantize_model(const QuantizeOptions& o) {
    const QuantizeTarget target = parse_quantize_target(o.type);
    const QuantizeLog log = o.log ? o.log : QuantizeLog([](const std::string&) {});
    {
        std::error_code ec;
        const fs::path out(o.output);
        if (fs::exists(out, ec) && fs::equivalent(out, fs::path(o.input), ec))
            throw InputError(o.output + ": the output would overwrite the input");
        const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
        if (!fs::is_directory(parent, ec)) throw InputError(o.output + ": folder '" + parent.string() + "' does not exist");
    }
    QuantizeSource source = open_source(o.input, log);
    const uint64_t threads = o.threads ? o.threads : std::clamp<uint64_t>(std::thread::hardware_concurrency(), 1, 64);

    GgufWriter w;
    source.write_metadata(w);
    w.add_u32("general.file_type", target.file_type);
    w.add_u32("general.quantization_version", 2);
    w.add_u32("general.alignment", GgufWriter::kAlignment);

    QuantizeSummary summary;
    summary.architecture = source.architecture;
    std::vector<DType> types;
    std::map<DType, uint64_t> counts;
    for (const QuantizeSourceTensor& t : source.tensors) {
        const QuantizeChoice choice = choose_quantized_type(target, t.role, source.layers, o.pure);
        if (!choice.note.empty()) log("note: " + choice.note);
        if (!dtype_traits(choice.type).encode)
            throw InputError("tensor '" + t.role.name + "': no encoder for " + dtype_name(choice.type));
        w.add_tensor(t.role.name, choice.type, t.role.shape);
        types.push_back(choice.type);
        ++counts[choice.type];
        summary.input_bytes += t.source_bytes;
    }
    // Write to a temporary name and rename at the end, so that a failure never
    // leaves a truncated file under the requested name.
    const std::string partial = o.output + ".partial";
    try {
        w.write_header(partial);
        for (size_t i = 0; i < source.tensors.size(); ++i) {
            const QuantizeSourceTensor& t = source.tensors[i];
            const DTypeTraits& traits = dtype_traits(types[i]);
            std::string line = "[";
            for (const std::string& part : {std::to_string(i + 1), std::string("/"), std::to_string(source.tensors.size()),
                                            std::string("] "), t.role.name, std::string(" "), shape_text(t.role.shape),
                                            std::string(" "), std::string(dtype_name(t.source_dtype)), std::string(" -> "),
                                            std::string(traits.name)})
                line += part;
            log(line);
            // Rows as the readers count them: a 1-D tensor is a column of one-value rows.
            const uint64_t cols = t.role.shape.size() < 2 ? 1 : t.role.shape.back();
            uint64_t rows = 1;
            for (uint64_t d : t.role.shape) rows *= d;
            rows /= std::max<uint64_t>(cols, 1);
            const uint64_t blocks_per_row = cols / traits.block_values;
            const size_t row_bytes = size_t(blocks_per_row * traits.block_bytes);
            // Rows are independent: each chunk of rows is decoded and encoded by
            // `threads` workers into its own byte range, then written in order,
            // so the file is the same for any thread count.
            const uint64_t chunk_rows = std::max<uint64_t>(1, kChunkBytes / std::max<size_t>(row_bytes, 1));
            std::vector<uint8_t> chunk;
            for (uint64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
                const uint64_t n = std::min(chunk_rows, rows - r0);
                chunk.resize(size_t(n) * row_bytes);
                auto work = [&](uint64_t first, uint64_t last) {
                    std::vector<float> values(cols);
                    for (uint64_t r = first; r < last; ++r) {
                        t.read_row(r0 + r, values.data());
                        traits.encode(values.data(), blocks_per_row, chunk.data() + r * row_bytes);
                    }
                };
                const uint64_t workers = std::min<uint64_t>(threads, n);
                std::vector<std::thread> pool;
                for (uint64_t k = 1; k < workers; ++k) pool.emplace_back(work, n * k / workers, n * (k + 1) / workers);
                work(0, n / workers);
                for (std::thread& th : pool) th.join();
                w.write_data(chunk.data(), chunk.size());
            }
            w.finish_tensor();
        }
        w.close();
        fs::rename(partial, o.output);
    } catch (...) {
        std::error_code ec;
        fs::remove(partial, ec);
        throw;
    }
    summary.tensors = source.tensors.size();
    std::error_code ec;
    summary.output_bytes = fs::file_size(o.output, ec);
    for (const auto& [type, n] : counts) summary.tensors_by_type.emplace_back(type, n);
    return summary;
}

}  // namespace vkllm
