#pragma once
// GGUF container reader (format versions 2 and 3, little-endian): header,
// metadata key/values, tensor infos and the aligned data section. Every count,
// length and offset is checked against the bytes that are really there before
// it is used, so a damaged or hostile file ends in an InputError, never in a
// huge allocation or an out-of-bounds read. Tensor data is never copied: views
// point into the mapped file (or the caller's buffer for parse()).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mapped_file.h"
#include "model/tensor.h"

namespace vkllm {

// Metadata value types as numbered by the GGUF specification.
enum class GgufType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

const char* gguf_type_name(GgufType t);
// Byte size of a fixed-size metadata type; 0 for String and Array.
uint64_t gguf_scalar_size(GgufType t);
// Name of a ggml tensor type number ("Q4_K", "IQ2_XS", ...), or "type <n>".
std::string ggml_type_name(uint32_t type);
// "type Q6_K", or "unknown type id 999" for an id no ggml version defines.
std::string ggml_type_label(uint32_t type);

struct GgufArray;

// One metadata value. Strings point into the file's bytes.
struct GgufValue {
    GgufType type = GgufType::UInt8;
    uint64_t bits = 0;             // scalar payload, little-endian, zero-extended
    std::string_view string;       // type == String
    std::shared_ptr<const GgufArray> array;  // type == Array

    bool is_integer() const;
    bool is_float() const;
    // Checked conversions; nullopt when the type does not fit the request
    // (e.g. a negative int for as_uint, a string for as_double).
    std::optional<uint64_t> as_uint() const;
    std::optional<int64_t> as_int() const;
    std::optional<double> as_double() const;
};

// Arrays of fixed-size elements stay as a pointer into the file; arrays of
// strings and arrays of arrays are decoded into their elements.
struct GgufArray {
    GgufType element_type = GgufType::UInt8;
    uint64_t count = 0;
    const uint8_t* raw = nullptr;             // fixed-size element types
    std::vector<std::string_view> strings;    // element_type == String
    std::vector<GgufValue> arrays;            // element_type == Array

    // Element i as a scalar value (fixed-size types) or string / array.
    GgufValue at(uint64_t i) const;
};

struct GgufTensorInfo {
    std::string name;
    uint32_t ggml_type = 0;
    DType dtype = DType::F32;
    std::vector<uint64_t> ne;     // GGUF order: ne[0] is the contiguous dimension
    std::vector<uint64_t> shape;  // row-major, outermost first (ne reversed)
    uint64_t offset = 0;          // relative to the data section
    uint64_t bytes = 0;
};

class GgufFile {
public:
    // Maps and parses a file; the view data stays valid while the GgufFile
    // (or a copy of mapped_file()) lives.
    static GgufFile open(const std::string& path);
    // Parses bytes the caller keeps alive; `source_name` appears in messages.
    static GgufFile parse(const uint8_t* data, size_t size, const std::string& source_name);

    const std::string& source() const { return source_; }
    uint32_t version() const { return version_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }

    const std::map<std::string, GgufValue, std::less<>>& metadata() const { return metadata_; }
    const GgufValue* find(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(std::string_view name) const;
    TensorView view(const GgufTensorInfo& info) const;

    // Null for parse(): the caller owns the bytes.
    const std::shared_ptr<MappedFile>& mapped_file() const { return file_; }

private:
    std::string source_;
    std::shared_ptr<MappedFile> file_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::map<std::string, GgufValue, std::less<>> metadata_;
    std::vector<GgufTensorInfo> tensors_;
    std::map<std::string, size_t, std::less<>> tensor_index_;

    friend class GgufParser;
};

}  // namespace vkllm
