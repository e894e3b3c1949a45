#pragma once
// Writes GGUF bytes by hand so that tests can build valid and deliberately
// broken files field by field.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vkllm::test {

struct GgufBytes {
    std::vector<uint8_t> bytes;

    GgufBytes& raw(const void* p, size_t n) {
        auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
        return *this;
    }
    GgufBytes& u8(uint8_t v) { return raw(&v, 1); }
    GgufBytes& u16(uint16_t v) { return uint_le(v, 2); }
    GgufBytes& u32(uint32_t v) { return uint_le(v, 4); }
    GgufBytes& u64(uint64_t v) { return uint_le(v, 8); }
    GgufBytes& f32(float v) {
        uint32_t b;
        std::memcpy(&b, &v, 4);
        return u32(b);
    }
    GgufBytes& f64(double v) {
        uint64_t b;
        std::memcpy(&b, &v, 8);
        return u64(b);
    }
    GgufBytes& str(const std::string& s) {
        u64(s.size());
        return raw(s.data(), s.size());
    }
    GgufBytes& header(uint32_t version, uint64_t tensors, uint64_t kvs) {
        raw("GGUF", 4);
        u32(version);
        u64(tensors);
        return u64(kvs);
    }
    // Metadata value type numbers from the GGUF specification.
    GgufBytes& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
    GgufBytes& kv_f32(const std::string& key, float v) { return str(key).u32(6).f32(v); }
    GgufBytes& kv_str(const std::string& key, const std::string& v) { return str(key).u32(8).str(v); }
    GgufBytes& kv_bool(const std::string& key, bool v) { return str(key).u32(7).u8(v ? 1 : 0); }
    GgufBytes& tensor_info(const std::string& name, std::vector<uint64_t> ne, uint32_t ggml_type, uint64_t offset) {
        str(name);
        u32(uint32_t(ne.size()));
        for (uint64_t d : ne) u64(d);
        u32(ggml_type);
        return u64(offset);
    }
    GgufBytes& pad_to(size_t alignment) {
        while (bytes.size() % alignment) bytes.push_back(0);
        return *this;
    }
    GgufBytes& zeros(size_t n) {
        bytes.insert(bytes.end(), n, 0);
        return *this;
    }

private:
    GgufBytes& uint_le(uint64_t v, size_t n) {
        for (size_t i = 0; i < n; ++i) bytes.push_back(uint8_t(v >> (8 * i)));
        return *this;
    }
};

}  // namespace vkllm::test
