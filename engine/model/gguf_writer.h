#pragma once
// GGUF v3 writer (little-endian). Metadata and tensor infos are collected
// first; write_header() then writes them with every tensor's offset already
// fixed, and the tensors' data follows one tensor at a time in the order they
// were added, so a caller never needs more than one tensor in memory.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf_file.h"

namespace vkllm {

class GgufWriter {
public:
    static constexpr uint32_t kAlignment = 32;

    GgufWriter() = default;
    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;
    ~GgufWriter();

    // Metadata, written in the order added. A key added twice is an error.
    void add_string(const std::string& key, std::string_view value);
    void add_u32(const std::string& key, uint32_t value);
    void add_i32(const std::string& key, int32_t value);
    void add_f32(const std::string& key, float value);
    void add_bool(const std::string& key, bool value);
    void add_strings(const std::string& key, const std::vector<std::string>& values);
    void add_i32s(const std::string& key, const std::vector<int32_t>& values);
    void add_f32s(const std::string& key, const std::vector<float>& values);
    // A value read from another GGUF file, arrays included, copied as it is.
    void add_value(const std::string& key, const GgufValue& value);
    bool has_key(std::string_view key) const;

    // Tensor infos; `shape` is row-major (outermost first) as TensorView has it.
    // Returns the tensor's byte size in `dtype`.
    uint64_t add_tensor(const std::string& name, DType dtype, const std::vector<uint64_t>& shape);

    // Opens `path`, writes header, metadata and tensor infos and pads to the
    // data section. Throws InputError when the file cannot be written.
    void write_header(const std::string& path);
    // The next tensor's bytes, in one or several pieces; finish_tensor() checks
    // the size and pads to the alignment.
    void write_data(const uint8_t* data, size_t bytes);
    void finish_tensor();
    // Checks that every tensor was written and closes the file.
    void close();

private:
    struct Tensor {
        std::string name;
        DType dtype;
        std::vector<uint64_t> shape;
        uint64_t bytes, offset;
    };
    void key_header(const std::string& key, GgufType type);
    void put_bytes(const void* p, size_t n);
    void put_u32(uint32_t v) { put_bytes(&v, 4); }
    void put_u64(uint64_t v) { put_bytes(&v, 8); }
    void put_string(std::string_view s);
    void put_value(const GgufValue& value);
    void flush_to_file(const void* p, size_t n);
    void pad(uint64_t to);

    std::vector<uint8_t> header_;  // metadata being collected (key/values only)
    uint64_t kv_count_ = 0;
    std::vector<std::string> keys_;
    std::vector<Tensor> tensors_;
    uint64_t data_size_ = 0;

    std::string path_;
    std::FILE* file_ = nullptr;
    uint64_t written_ = 0;       // bytes of the whole file written so far
    uint64_t data_start_ = 0;    // file offset of the data section
    size_t next_tensor_ = 0;
    uint64_t tensor_written_ = 0;
};

}  // namespace vkllm
