#include "model/gguf_file.h"

#include <cstring>

#include "vkllm/error.h"

namespace vkllm {

namespace {

constexpr uint32_t kMaxDims = 4;
// Nested arrays are legal but nothing real nests deeper than a couple of levels;
// the limit keeps a crafted file from exhausting the stack.
constexpr int kMaxArrayDepth = 8;
// Smallest possible encodings, used to reject counts the remaining bytes cannot hold.
constexpr uint64_t kMinStringBytes = 8;             // length only
constexpr uint64_t kMinArrayBytes = 12;             // element type + count
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;   // empty key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // empty name, n_dims 0, type, offset
// Strings and nested arrays are decoded into memory (a few times their smallest
// encoding); this caps the total so even a huge file cannot make metadata cost
// gigabytes. Real vocabularies and merge lists stay far below it.
constexpr uint64_t kMaxDecodedElements = uint64_t(1) << 24;

uint64_t load_le(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
}


bool known_type(uint32_t t) { return t <= uint32_t(GgufType::Float64); }

// "F32, F16, ..." from the type table, for refusals.
std::string supported_type_list() {
    std::string out;
    for (const DTypeTraits& t : all_dtypes())
        if (!t.device_only) out += std::string(out.empty() ? "" : ", ") + ggml_type_name(t.gguf_id);
    return out;
}

std::string quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out + "'";
}

}  // namespace

uint64_t gguf_scalar_size(GgufType t) {
    switch (t) {
        case GgufType::UInt8:
        case GgufType::Int8:
        case GgufType::Bool: return 1;
        case GgufType::UInt16:
        case GgufType::Int16: return 2;
        case GgufType::UInt32:
        case GgufType::Int32:
        case GgufType::Float32: return 4;
        case GgufType::UInt64:
        case GgufType::Int64:
        case GgufType::Float64: return 8;
        case GgufType::String:
        case GgufType::Array: return 0;
    }
    return 0;
}

const char* gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::UInt8: return "uint8";
        case GgufType::Int8: return "int8";
        case GgufType::UInt16: return "uint16";
        case GgufType::Int16: return "int16";
        case GgufType::UInt32: return "uint32";
        case GgufType::Int32: return "int32";
        case GgufType::Float32: return "float32";
        case GgufType::Bool: return "bool";
        case GgufType::String: return "string";
        case GgufType::Array: return "array";
        case GgufType::UInt64: return "uint64";
        case GgufType::Int64: return "int64";
        case GgufType::Float64: return "float64";
    }
    return "unknown";
}

std::string ggml_type_name(uint32_t type) {
    static const char* const names[] = {
        "F32",     "F16",    "Q4_0",    "Q4_1",   "Q4_2",    "Q4_3",   "Q5_0",     "Q5_1",
        "Q8_0",    "Q8_1",   "Q2_K",    "Q3_K",   "Q4_K",    "Q5_K",   "Q6_K",     "Q8_K",
        "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",  "IQ4_NL",  "IQ3_S",  "IQ2_S",    "IQ4_XS",
        "I8",      "I16",    "I32",     "I64",    "F64",     "IQ1_M",  "BF16",     "Q4_0_4_4",
        "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4",
    };
    if (type < sizeof(names) / sizeof(names[0])) return names[type];
    return std::to_string(type) + " (unknown)";
}

std::string ggml_type_label(uint32_t type) {
    const std::string name = ggml_type_name(type);
    return name.rfind("type ", 0) == 0 ? "unknown type id " + std::to_string(type) : "type " + name;
}

bool GgufValue::is_integer() const {
    switch (type) {
        case GgufType::UInt8:
        case GgufType::Int8:
        case GgufType::UInt16:
        case GgufType::Int16:
        case GgufType::UInt32:
        case GgufType::Int32:
        case GgufType::UInt64:
        case GgufType::Int64: return true;
        default: return false;
    }
}

bool GgufValue::is_float() const { return type == GgufType::Float32 || type == GgufType::Float64; }

std::optional<int64_t> GgufValue::as_int() const {
    switch (type) {
        case GgufType::UInt8:
        case GgufType::UInt16:
        case GgufType::UInt32: return int64_t(bits);
        case GgufType::UInt64:
            if (bits > uint64_t(INT64_MAX)) return std::nullopt;
            return int64_t(bits);
        case GgufType::Int8: return int64_t(int8_t(bits));
        case GgufType::Int16: return int64_t(int16_t(bits));
        case GgufType::Int32: return int64_t(int32_t(bits));
        case GgufType::Int64: return int64_t(bits);
        default: return std::nullopt;
    }
}

std::optional<uint64_t> GgufValue::as_uint() const {
    if (type == GgufType::UInt64) return bits;
    auto v = as_int();
    if (!v || *v < 0) return std::nullopt;
    return uint64_t(*v);
}

std::optional<double> GgufValue::as_double() const {
    if (type == GgufType::Float32) {
        uint32_t b = uint32_t(bits);
        float f;
        std::memcpy(&f, &b, 4);
        return double(f);
    }
    if (type == GgufType::Float64) {
        double d;
        std::memcpy(&d, &bits, 8);
        return d;
    }
    if (type == GgufType::UInt64) return double(bits);
    if (auto v = as_int()) return double(*v);
    return std::nullopt;
}

GgufValue GgufArray::at(uint64_t i) const {
    if (i >= count) throw InputError("GGUF array index " + std::to_string(i) + " out of range (" +
                                     std::to_string(count) + " elements)");
    GgufValue v;
    v.type = element_type;
    if (element_type == GgufType::String) {
        v.string = strings[i];
    } else if (element_type == GgufType::Array) {
        v = arrays[i];
    } else {
        uint64_t size = gguf_scalar_size(element_type);
        v.bits = load_le(raw + i * size, size);
    }
    return v;
}

// Walks the bytes once, front to back; every read is checked against the end.
class GgufParser {
public:
    GgufParser(GgufFile& out, const uint8_t* data, size_t size) : out_(out), data_(data), size_(size) {}

    void run() {
        read_header();
        uint64_t tensor_count = read_u64("tensor count");
        uint64_t kv_count = read_u64("metadata key/value count");
        if (kv_count > left() / kMinKeyValueBytes)
            fail("metadata count " + std::to_string(kv_count) + " cannot fit in the " + std::to_string(left()) +
                 " bytes left");
        for (uint64_t i = 0; i < kv_count; ++i) read_key_value(i);
        read_alignment();
        if (tensor_count > left() / kMinTensorInfoBytes)
            fail("tensor count " + std::to_string(tensor_count) + " cannot fit in the " + std::to_string(left()) +
                 " bytes left");
        for (uint64_t i = 0; i < tensor_count; ++i) read_tensor_info(i);
        // The data section starts at the next multiple of the alignment.
        uint64_t a = out_.alignment_;
        out_.data_offset_ = pos_ + (a - pos_ % a) % a;
        for (const GgufTensorInfo& t : out_.tensors_) check_tensor_data(t);
    }

private:
    [[noreturn]] void fail(const std::string& message) const { throw InputError(out_.source_ + ": " + message); }

    uint64_t left() const { return size_ - pos_; }

    void need(uint64_t n, const std::string& what) const {
        if (n > left())
            fail("file truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " +
                 std::to_string(pos_) + ", only " + std::to_string(left()) + " left");
    }

    uint64_t read_uint(size_t n, const std::string& what) {
        need(n, what);
        uint64_t v = load_le(data_ + pos_, n);
        pos_ += n;
        return v;
    }
    uint32_t read_u32(const std::string& what) { return uint32_t(read_uint(4, what)); }
    uint64_t read_u64(const std::string& what) { return read_uint(8, what); }

    std::string_view read_string(const std::string& what) {
        uint64_t length = read_u64("length of " + what);
        if (length > left())
            fail("string length " + std::to_string(length) + " of " + what + " at offset " +
                 std::to_string(pos_ - 8) + " exceeds the " + std::to_string(left()) + " bytes left");
        std::string_view s(reinterpret_cast<const char*>(data_ + pos_), size_t(length));
        pos_ += length;
        return s;
    }

    // read_string without building a description per element (token lists are long).
    std::string_view read_string_element(const std::string& array_what, uint64_t i) {
        if (left() < 8 || load_le(data_ + pos_, 8) > left() - 8) return read_string(array_what + "[" + std::to_string(i) + "]");
        uint64_t length = load_le(data_ + pos_, 8);
        std::string_view s(reinterpret_cast<const char*>(data_ + pos_ + 8), size_t(length));
        pos_ += 8 + length;
        return s;
    }

    void read_header() {
        need(4, "magic");
        if (std::memcmp(data_, "GGUF", 4) != 0)
            fail("not a GGUF file (magic " + quoted(std::string_view(reinterpret_cast<const char*>(data_), 4)) +
                 ", expected 'GGUF')");
        pos_ = 4;
        uint32_t version = read_u32("version");
        if (version == 1) fail("GGUF version 1 is not supported (only versions 2 and 3)");
        if ((version & 0xffffu) == 0 && version != 0)
            fail("GGUF file is big-endian (version field reads " + std::to_string(version) +
                 "); only little-endian files are supported");
        if (version != 2 && version != 3)
            fail("GGUF version " + std::to_string(version) + " is not supported (only versions 2 and 3)");
        out_.version_ = version;
    }

    GgufType read_type(const std::string& what) {
        uint32_t t = read_u32("type of " + what);
        if (!known_type(t)) fail(what + " has unknown value type " + std::to_string(t));
        return GgufType(t);
    }

    GgufValue read_value(GgufType type, const std::string& what, int depth) {
        GgufValue v;
        v.type = type;
        if (type == GgufType::String) {
            v.string = read_string(what);
        } else if (type == GgufType::Array) {
            v.array = read_array(what, depth + 1);
        } else {
            v.bits = read_uint(size_t(gguf_scalar_size(type)), what);
        }
        return v;
    }

    std::shared_ptr<const GgufArray> read_array(const std::string& what, int depth) {
        if (depth > kMaxArrayDepth)
            fail(what + " nests arrays more than " + std::to_string(kMaxArrayDepth) + " levels deep");
        auto array = std::make_shared<GgufArray>();
        array->element_type = read_type("elements of " + what);
        array->count = read_u64("element count of " + what);
        uint64_t fixed = gguf_scalar_size(array->element_type);
        uint64_t min_size = fixed ? fixed
                                  : (array->element_type == GgufType::String ? kMinStringBytes : kMinArrayBytes);
        if (array->count > left() / min_size)
            fail("array " + what + " claims " + std::to_string(array->count) + " elements of " +
                 gguf_type_name(array->element_type) + ", more than the " + std::to_string(left()) +
                 " bytes left can hold");
        if (!fixed) {
            decoded_ += array->count;
            if (decoded_ > kMaxDecodedElements)
                fail("array " + what + " brings the metadata to more than " + std::to_string(kMaxDecodedElements) +
                     " strings and arrays, beyond what this reader accepts");
        }
        if (fixed) {
            array->raw = data_ + pos_;
            pos_ += array->count * fixed;
        } else if (array->element_type == GgufType::String) {
            for (uint64_t i = 0; i < array->count; ++i) array->strings.push_back(read_string_element(what, i));
        } else {
            // Elements of an array of arrays carry no type tag of their own:
            // each is directly an element type, a count and the elements.
            for (uint64_t i = 0; i < array->count; ++i)
                array->arrays.push_back(read_value(GgufType::Array, what + "[" + std::to_string(i) + "]", depth));
        }
        return array;
    }

    void read_key_value(uint64_t index) {
        std::string_view key = read_string("metadata key " + std::to_string(index));
        std::string what = "metadata " + quoted(key);
        GgufType type = read_type(what);
        GgufValue value = read_value(type, what, 0);
        if (!out_.metadata_.emplace(std::string(key), std::move(value)).second)
            fail("duplicate metadata key " + quoted(key));
    }

    void read_alignment() {
        const GgufValue* v = out_.find("general.alignment");
        if (!v) return;
        auto a = v->as_uint();
        if (!a || *a == 0 || (*a & (*a - 1)) != 0 || *a > (uint64_t(1) << 30))
            fail("metadata 'general.alignment' must be a power of two integer up to 2^30");
        out_.alignment_ = *a;
    }

    void read_tensor_info(uint64_t index) {
        GgufTensorInfo info;
        info.name = std::string(read_string("name of tensor " + std::to_string(index)));
        std::string what = "tensor " + quoted(info.name);
        uint32_t n_dims = read_u32("n_dims of " + what);
        if (n_dims > kMaxDims)
            fail(what + " has n_dims " + std::to_string(n_dims) + " (at most " + std::to_string(kMaxDims) + ")");
        uint64_t elements = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            uint64_t ne = read_u64("dimension " + std::to_string(d) + " of " + what);
            if (ne > uint64_t(INT64_MAX) || __builtin_mul_overflow(elements, ne, &elements) ||
                elements > uint64_t(INT64_MAX))
                fail(what + " has dimensions whose element count overflows");
            info.ne.push_back(ne);
        }
        info.shape.assign(info.ne.rbegin(), info.ne.rend());
        info.ggml_type = read_u32("type of " + what);
        info.offset = read_u64("data offset of " + what);

        auto dtype = dtype_from_gguf(info.ggml_type);
        if (!dtype)
            fail(what + " has " + ggml_type_label(info.ggml_type) + ", which is not supported (supported: " +
                 supported_type_list() + ")");
        info.dtype = *dtype;
        uint64_t block = dtype_block_elements(info.dtype);
        uint64_t row = info.ne.empty() ? 1 : info.ne[0];
        if (row % block != 0)
            fail(what + " of type " + ggml_type_name(info.ggml_type) + " has a row of " + std::to_string(row) +
                 " elements, not a multiple of the block size " + std::to_string(block));
        if (__builtin_mul_overflow(elements / block, uint64_t(dtype_block_bytes(info.dtype)), &info.bytes))
            fail(what + " is too large: its byte size overflows");

        if (!out_.tensor_index_.emplace(info.name, out_.tensors_.size()).second)
            fail("duplicate tensor name " + quoted(info.name));
        out_.tensors_.push_back(std::move(info));
    }

    void check_tensor_data(const GgufTensorInfo& t) const {
        std::string what = "tensor " + quoted(t.name);
        if (t.offset % out_.alignment_ != 0)
            fail(what + " data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                 std::to_string(out_.alignment_));
        uint64_t available = out_.data_offset_ <= size_ ? size_ - out_.data_offset_ : 0;
        if (t.offset > available || t.bytes > available - t.offset)
            fail(what + " data (offset " + std::to_string(t.offset) + ", " + std::to_string(t.bytes) +
                 " bytes) extends past the end of the file (data section holds " + std::to_string(available) +
                 " bytes)");
    }

    GgufFile& out_;
    const uint8_t* data_;
    size_t size_;
    uint64_t pos_ = 0;
    uint64_t decoded_ = 0;  // strings and arrays decoded from metadata arrays so far
};

GgufFile GgufFile::open(const std::string& path) {
    auto file = std::make_shared<MappedFile>(path);
    GgufFile out = parse(file->data(), file->size(), path);
    out.file_ = std::move(file);
    return out;
}

GgufFile GgufFile::parse(const uint8_t* data, size_t size, const std::string& source_name) {
    GgufFile out;
    out.source_ = source_name;
    out.data_ = data;
    out.size_ = size;
    GgufParser(out, data, size).run();
    return out;
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = metadata_.find(key);
    return it == metadata_.end() ? nullptr : &it->second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

TensorView GgufFile::view(const GgufTensorInfo& info) const {
    TensorView v;
    v.name = info.name;
    v.dtype = info.dtype;
    v.shape = info.shape;
    v.data = data_ + data_offset_ + info.offset;
    v.bytes = size_t(info.bytes);
    return v;
}

}  // namespace vkllm
