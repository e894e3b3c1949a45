#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/json_document.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

using nlohmann::json;

// The format caps the header at 100 MB; anything larger is a corrupt length.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

bool parse_dtype(const std::string& name, DType& out) {
    if (name == "F32") out = DType::F32;
    else if (name == "F16") out = DType::F16;
    else if (name == "BF16") out = DType::BF16;
    else return false;
    return true;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw InputError(path + ": " + what);
}

[[noreturn]] void fail_tensor(const std::string& path, const std::string& tensor, const std::string& what) {
    throw InputError(path + ": tensor '" + tensor + "': " + what);
}

uint64_t read_u64_le(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

TensorView parse_tensor_entry(const std::string& path, const std::string& name, const json& entry,
                              const uint8_t* data, uint64_t data_size) {
    if (!entry.is_object()) fail_tensor(path, name, "header entry is not a JSON object");
    auto dtype_it = entry.find("dtype");
    auto shape_it = entry.find("shape");
    auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) fail_tensor(path, name, "missing or non-string 'dtype'");
    if (shape_it == entry.end() || !shape_it->is_array()) fail_tensor(path, name, "missing or non-array 'shape'");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2)
        fail_tensor(path, name, "'data_offsets' must be an array of two integers");

    TensorView view;
    view.name = name;
    const std::string dtype = dtype_it->get<std::string>();
    if (!parse_dtype(dtype, view.dtype))
        fail_tensor(path, name, "unsupported dtype '" + dtype + "' (supported: F32, F16, BF16)");

    uint64_t elements = 1;
    for (const json& dim : *shape_it) {
        if (!dim.is_number_unsigned()) fail_tensor(path, name, "shape " + shape_it->dump() + " has a non-integer or negative dimension");
        uint64_t d = dim.get<uint64_t>();
        if (d != 0 && elements > std::numeric_limits<uint64_t>::max() / d)
            fail_tensor(path, name, "shape " + shape_it->dump() + " overflows the element count");
        elements *= d;
        view.shape.push_back(d);
    }
    const uint64_t element_bytes = dtype_block_bytes(view.dtype);
    if (elements > data_size / element_bytes)
        fail_tensor(path, name, "shape " + shape_it->dump() + " needs more bytes than the file's data section (" +
                                    std::to_string(data_size) + " bytes)");
    const uint64_t needed = elements * element_bytes;

    const json& b = (*offsets_it)[0];
    const json& e = (*offsets_it)[1];
    if (!b.is_number_unsigned() || !e.is_number_unsigned())
        fail_tensor(path, name, "'data_offsets' must be non-negative integers");
    const uint64_t begin = b.get<uint64_t>();
    const uint64_t end = e.get<uint64_t>();
    if (begin > end) fail_tensor(path, name, "data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
    if (end > data_size)
        fail_tensor(path, name, "data_offsets end " + std::to_string(end) + " is past the end of the data section (" +
                                    std::to_string(data_size) + " bytes)");
    if (end - begin != needed)
        fail_tensor(path, name, "data_offsets span " + std::to_string(end - begin) + " bytes but " + dtype + " shape " +
                                    shape_it->dump() + " needs " + std::to_string(needed));
    view.data = data + begin;
    view.bytes = size_t(needed);
    return view;
}

}  // namespace

SafetensorsFile open_safetensors(const std::string& path) {
    SafetensorsFile out;
    out.file = std::make_shared<MappedFile>(path);
    const uint8_t* base = out.file->data();
    const uint64_t size = out.file->size();
    if (size < 8) fail(path, "file is " + std::to_string(size) + " bytes, too short for a safetensors header length");
    const uint64_t header_len = read_u64_le(base);
    if (header_len > size - 8)
        fail(path, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                       std::to_string(size) + " bytes)");
    if (header_len > kMaxHeaderBytes) fail(path, "header length " + std::to_string(header_len) + " exceeds 100 MB");

    const char* text = reinterpret_cast<const char*>(base + 8);
    json header = json::parse(text, text + header_len, nullptr, /*allow_exceptions=*/false);
    if (header.is_discarded()) fail(path, "header is not valid JSON");
    if (!header.is_object()) fail(path, "header is not a JSON object");

    const uint8_t* data = base + 8 + header_len;
    const uint64_t data_size = size - 8 - header_len;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) fail(path, "'__metadata__' is not a JSON object");
            for (const auto& [key, value] : entry.items())
                if (value.is_string()) out.metadata[key] = value.get<std::string>();
            continue;
        }
        out.tensors[name] = parse_tensor_entry(path, name, entry, data, data_size);
    }
    return out;
}

const TensorView* SafetensorsCheckpoint::find(const std::string& name) const {
    auto it = tensors.find(name);
    return it == tensors.end() ? nullptr : &it->second;
}

namespace {

void add_file(SafetensorsCheckpoint& checkpoint, SafetensorsFile file) {
    checkpoint.files.push_back(file.file);
    for (auto& [name, view] : file.tensors) checkpoint.tensors[name] = std::move(view);
}

SafetensorsCheckpoint open_sharded(const std::filesystem::path& index_path) {
    const std::string index_name = index_path.string();
    json index = read_json_file(index_name, "safetensors index");
    if (!index.is_object()) fail(index_name, "not a JSON object");
    auto map_it = index.find("weight_map");
    if (map_it == index.end() || !map_it->is_object()) fail(index_name, "missing object 'weight_map'");

    std::map<std::string, std::vector<std::string>> names_by_shard;
    for (const auto& [tensor, shard] : map_it->items()) {
        if (!shard.is_string()) fail(index_name, "weight_map entry '" + tensor + "' is not a file name");
        const std::string name = shard.get<std::string>();
        // A shard is a file inside the model folder: an absolute path or a ".." would read elsewhere.
        const std::filesystem::path shard_path(name);
        const bool escapes = name.empty() || shard_path.is_absolute() || shard_path.has_root_name() ||
                             std::any_of(shard_path.begin(), shard_path.end(), [](const auto& part) { return part == ".."; });
        if (escapes)
            fail(index_name, "weight_map puts tensor '" + tensor + "' in '" + name +
                                 "', which is not a file inside the model folder (no absolute paths or '..')");
        names_by_shard[name].push_back(tensor);
    }
    if (names_by_shard.empty()) fail(index_name, "'weight_map' lists no tensors");

    SafetensorsCheckpoint checkpoint;
    checkpoint.source = index_name;
    const auto dir = index_path.parent_path();
    for (const auto& [shard, tensors] : names_by_shard) {
        const std::string shard_path = (dir / shard).string();
        SafetensorsFile file = open_safetensors(shard_path);
        for (const std::string& tensor : tensors)
            if (!file.tensors.count(tensor))
                fail(index_name, "weight_map puts tensor '" + tensor + "' in " + shard + ", which does not hold it");
        add_file(checkpoint, std::move(file));
    }
    return checkpoint;
}

}  // namespace

SafetensorsCheckpoint open_safetensors_checkpoint(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p(path);
    if (fs::is_directory(p, ec)) {
        if (fs::exists(p / "model.safetensors", ec)) p = p / "model.safetensors";
        else if (fs::exists(p / "model.safetensors.index.json", ec)) p = p / "model.safetensors.index.json";
        else throw InputError(path + ": directory holds neither model.safetensors nor model.safetensors.index.json");
    }
    const std::string name = p.string();
    if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".json") == 0) return open_sharded(p);
    SafetensorsCheckpoint checkpoint;
    checkpoint.source = name;
    add_file(checkpoint, open_safetensors(name));
    return checkpoint;
}

}  // namespace vkllm
