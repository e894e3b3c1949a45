#include "model/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "vkllm/error.h"

namespace vkllm {
namespace {

const char* safetensors_dtype(DType t, const std::string& tensor) {
    switch (t) {
        case DType::F32: return "F32";
        case DType::F16: return "F16";
        case DType::BF16: return "BF16";
        default:
            throw InputError("tensor '" + tensor + "': safetensors cannot hold " + dtype_name(t) +
                             "; use f32, f16 or bf16");
    }
}

uint64_t entry_bytes(const SafetensorsEntry& e) {
    uint64_t n = 1;
    for (uint64_t d : e.shape) n *= d;
    return dtype_storage_bytes(e.dtype, n);
}

std::string io_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

std::string SafetensorsWriter::header_json(const std::vector<SafetensorsEntry>& entries,
                                           const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& e : entries) {
        if (header.contains(e.name)) throw InputError("tensor '" + e.name + "' is listed twice");
        uint64_t bytes = entry_bytes(e);
        header[e.name] = {{"dtype", safetensors_dtype(e.dtype, e.name)},
                          {"shape", e.shape},
                          {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

SafetensorsWriter::SafetensorsWriter(std::string path, std::vector<SafetensorsEntry> entries,
                                     const std::map<std::string, std::string>& metadata)
    : path_(std::move(path)), temp_path_(path_ + ".partial") {
    const std::string header = header_json(entries, metadata);
    for (const auto& e : entries) data_bytes_ += entry_bytes(e);

    file_ = std::fopen(temp_path_.c_str(), "wb");
    if (!file_) throw Error(io_error("cannot create", temp_path_));
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
    write_raw(length, 8);
    write_raw(header.data(), header.size());
}

SafetensorsWriter::~SafetensorsWriter() {
    if (file_) {  // not finished: leave nothing half-written behind
        std::fclose(file_);
        std::remove(temp_path_.c_str());
    }
}

void SafetensorsWriter::write_raw(const void* data, size_t bytes) {
    if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) throw Error(io_error("cannot write", temp_path_));
}

void SafetensorsWriter::write(const void* data, size_t bytes) {
    if (!file_) throw Error("safetensors writer for '" + path_ + "' is already finished");
    if (written_ + bytes > data_bytes_)
        throw Error("safetensors writer for '" + path_ + "': more tensor data than the header declares");
    write_raw(data, bytes);
    written_ += bytes;
}

void SafetensorsWriter::finish() {
    if (written_ != data_bytes_)
        throw Error("safetensors writer for '" + path_ + "': " + std::to_string(written_) + " of " +
                    std::to_string(data_bytes_) + " data bytes written");
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) {
        std::remove(temp_path_.c_str());
        throw Error(io_error("cannot finish writing", temp_path_));
    }
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) throw Error(io_error("cannot rename to", path_));
}

}  // namespace vkllm
