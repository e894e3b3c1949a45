#include "model/gguf_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vkllm/error.h"

namespace vkllm {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }


}  // namespace

GgufWriter::~GgufWriter() {
    if (file_) std::fclose(file_);
}

void GgufWriter::put_bytes(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    header_.insert(header_.end(), b, b + n);
}

void GgufWriter::put_string(std::string_view s) {
    put_u64(s.size());
    put_bytes(s.data(), s.size());
}

bool GgufWriter::has_key(std::string_view key) const {
    return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
}

void GgufWriter::key_header(const std::string& key, GgufType type) {
    if (file_) throw Error("GGUF writer: metadata '" + key + "' added after the header was written");
    if (has_key(key)) throw Error("GGUF writer: metadata '" + key + "' added twice");
    keys_.push_back(key);
    ++kv_count_;
    put_string(key);
    put_u32(uint32_t(type));
}

void GgufWriter::add_string(const std::string& key, std::string_view value) {
    key_header(key, GgufType::String);
    put_string(value);
}
void GgufWriter::add_u32(const std::string& key, uint32_t value) {
    key_header(key, GgufType::UInt32);
    put_u32(value);
}
void GgufWriter::add_i32(const std::string& key, int32_t value) {
    key_header(key, GgufType::Int32);
    put_bytes(&value, 4);
}
void GgufWriter::add_f32(const std::string& key, float value) {
    key_header(key, GgufType::Float32);
    put_bytes(&value, 4);
}
void GgufWriter::add_bool(const std::string& key, bool value) {
    key_header(key, GgufType::Bool);
    const uint8_t b = value ? 1 : 0;
    put_bytes(&b, 1);
}
void GgufWriter::add_strings(const std::string& key, const std::vector<std::string>& values) {
    key_header(key, GgufType::Array);
    put_u32(uint32_t(GgufType::String));
    put_u64(values.size());
    for (const std::string& s : values) put_string(s);
}
void GgufWriter::add_i32s(const std::string& key, const std::vector<int32_t>& values) {
    key_header(key, GgufType::Array);
    put_u32(uint32_t(GgufType::Int32));
    put_u64(values.size());
    put_bytes(values.data(), values.size() * 4);
}
void GgufWriter::add_f32s(const std::string& key, const std::vector<float>& values) {
    key_header(key, GgufType::Array);
    put_u32(uint32_t(GgufType::Float32));
    put_u64(values.size());
    put_bytes(values.data(), values.size() * 4);
}

// The payload of a value (its type is written by the caller).
void GgufWriter::put_value(const GgufValue& v) {
    if (v.type == GgufType::String) return put_string(v.string);
    if (v.type == GgufType::Array) {
        const GgufArray& a = *v.array;
        put_u32(uint32_t(a.element_type));
        put_u64(a.count);
        if (a.element_type == GgufType::String) {
            for (std::string_view s : a.strings) put_string(s);
        } else if (a.element_type == GgufType::Array) {
            for (const GgufValue& inner : a.arrays) {
                put_value(inner);
            }
        } else {
            put_bytes(a.raw, size_t(a.count) * gguf_scalar_size(a.element_type));
        }
        return;
    }
    const size_t n = size_t(gguf_scalar_size(v.type));
    if (n == 0) throw Error("GGUF writer: value of unknown type " + std::to_string(uint32_t(v.type)));
    put_bytes(&v.bits, n);  // little-endian host: the low bytes of the zero-extended payload
}

void GgufWriter::add_value(const std::string& key, const GgufValue& value) {
    key_header(key, value.type);
    put_value(value);
}

uint64_t GgufWriter::add_tensor(const std::string& name, DType dtype, const std::vector<uint64_t>& shape) {
    if (file_) throw Error("GGUF writer: tensor '" + name + "' added after the header was written");
    uint64_t elements = 1;
    for (uint64_t d : shape) elements *= d;
    if (shape.empty() || shape.back() % dtype_block_elements(dtype) != 0)
        throw InputError("tensor '" + name + "': rows of " + std::to_string(shape.empty() ? 0 : shape.back()) +
                         " values do not fill whole " + dtype_name(dtype) + " blocks of " +
                         std::to_string(dtype_block_elements(dtype)));
    const uint64_t bytes = dtype_storage_bytes(dtype, elements);
    const uint64_t offset = align_up(data_size_, kAlignment);
    tensors_.push_back({name, dtype, shape, bytes, offset});
    data_size_ = offset + bytes;
    return bytes;
}

void GgufWriter::flush_to_file(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, file_) != n)
        throw InputError(path_ + ": cannot write (" + std::strerror(errno) + ")");
    written_ += n;
}

void GgufWriter::pad(uint64_t to) {
    static const uint8_t zeros[kAlignment] = {};
    while (written_ < to) flush_to_file(zeros, size_t(std::min<uint64_t>(to - written_, kAlignment)));
}

void GgufWriter::write_header(const std::string& path) {
    path_ = path;
    std::vector<uint8_t> kv;
    kv.swap(header_);
    header_.reserve(24 + kv.size() + tensors_.size() * 64);
    put_bytes("GGUF", 4);
    put_u32(3);
    put_u64(tensors_.size());
    put_u64(kv_count_);
    header_.insert(header_.end(), kv.begin(), kv.end());
    for (const Tensor& t : tensors_) {
        put_string(t.name);
        put_u32(uint32_t(t.shape.size()));
        for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put_u64(*it);  // GGUF: innermost first
        put_u32(dtype_traits(t.dtype).gguf_id);
        put_u64(t.offset);
    }
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw InputError(path + ": cannot open for writing (" + std::strerror(errno) + ")");
    flush_to_file(header_.data(), header_.size());
    header_.clear();
    data_start_ = align_up(written_, kAlignment);
    pad(data_start_);
}

void GgufWriter::write_data(const uint8_t* data, size_t bytes) {
    if (!file_ || next_tensor_ >= tensors_.size()) throw Error("GGUF writer: data written with no tensor pending");
    const Tensor& t = tensors_[next_tensor_];
    if (tensor_written_ + bytes > t.bytes)
        throw Error("GGUF writer: tensor '" + t.name + "' got more than its " + std::to_string(t.bytes) + " bytes");
    if (tensor_written_ == 0) pad(data_start_ + t.offset);
    flush_to_file(data, bytes);
    tensor_written_ += bytes;
}

void GgufWriter::finish_tensor() {
    const Tensor& t = tensors_.at(next_tensor_);
    if (tensor_written_ != t.bytes)
        throw Error("GGUF writer: tensor '" + t.name + "' got " + std::to_string(tensor_written_) + " of " +
                    std::to_string(t.bytes) + " bytes");
    if (t.bytes == 0) pad(data_start_ + t.offset);
    ++next_tensor_;
    tensor_written_ = 0;
    pad(align_up(written_, kAlignment));
}

void GgufWriter::close() {
    if (!file_) throw Error("GGUF writer: close() before write_header()");
    if (next_tensor_ != tensors_.size())
        throw Error("GGUF writer: closed after " + std::to_string(next_tensor_) + " of " +
                    std::to_string(tensors_.size()) + " tensors");
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) throw InputError(path_ + ": cannot write (" + std::strerror(errno) + ")");
}

}  // namespace vkllm
