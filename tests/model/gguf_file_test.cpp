// GGUF container parsing: the fixture files, every metadata type, and broken files.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/gguf_file.h"
#include "model/tensor.h"
#include "model/gguf_test_builder.h"
#include "vkllm/error.h"

using namespace vkllm;
using vkllm::test::GgufBytes;

namespace {

const char* const kCases[] = {"llama_gqa", "llama_mqa", "llama_mha_ropescaled"};
const char* const kTypes[] = {"f32", "f16", "q8_0"};

std::string fixture(const std::string& name, const std::string& type) {
    return std::string(VKLLM_TEST_DATA_DIR) + "/gguf/" + name + "/model-" + type + ".gguf";
}

nlohmann::json reference_json(const std::string& name) {
    std::ifstream in(std::string(VKLLM_TEST_DATA_DIR) + "/gguf/" + name + "/gguf_reference.json");
    return nlohmann::json::parse(in);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

GgufFile parse(const GgufBytes& b) { return GgufFile::parse(b.bytes.data(), b.bytes.size(), "test.gguf"); }

// Parses `b` expecting an InputError whose message holds `fragment`.
void expect_error(const GgufBytes& b, const std::string& fragment) {
    try {
        parse(b);
        FAIL("no error; expected one containing: " << fragment);
    } catch (const InputError& e) {
        std::string message = e.what();
        CHECK_MESSAGE(message.find(fragment) != std::string::npos, message);
        CHECK_MESSAGE(message.find("test.gguf") != std::string::npos, message);
    }
}

// A valid file with one 2x32 tensor of `ggml_type` (default F32) at offset 0.
GgufBytes one_tensor_file(uint32_t ggml_type = 0, uint64_t data_bytes = 2 * 32 * 4) {
    GgufBytes b;
    b.header(3, 1, 1).kv_str("general.architecture", "llama");
    b.tensor_info("w", {32, 2}, ggml_type, 0).pad_to(32).zeros(data_bytes);
    return b;
}

}  // namespace

TEST_CASE("gguf: every fixture parses with the types and shapes the converter wrote") {
    for (const char* name : kCases) {
        nlohmann::json ref = reference_json(name);
        for (const char* type : kTypes) {
            CAPTURE(name);
            CAPTURE(type);
            GgufFile f = GgufFile::open(fixture(name, type));
            CHECK(f.version() == 3);
            CHECK(f.alignment() == 32);
            CHECK(f.data_offset() % 32 == 0);
            const GgufValue* arch = f.find("general.architecture");
            REQUIRE(arch);
            CHECK(arch->string == "llama");

            const auto& expected = ref["types"][type]["tensor_types"];
            CHECK(f.tensors().size() == expected.size());
            for (const auto& item : expected.items()) {
                const std::string tensor = item.key();
                const GgufTensorInfo* info = f.find_tensor(tensor);
                REQUIRE_MESSAGE(info, tensor);
                CHECK(ggml_type_name(info->ggml_type) == item.value().get<std::string>());
                CHECK(info->offset % 32 == 0);
            }

            // Shapes come out outermost first: [vocab, hidden] for the embedding.
            uint64_t vocab = ref["shape"][1].get<uint64_t>();
            const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
            REQUIRE(embd);
            REQUIRE(embd->shape.size() == 2);
            CHECK(embd->shape[0] == vocab);
            CHECK(embd->ne[0] == embd->shape[1]);
            TensorView v = f.view(*embd);
            CHECK(v.elements() == vocab * embd->shape[1]);
            CHECK(v.bytes == dtype_storage_bytes(v.dtype, v.elements()));
            CHECK(v.data >= f.mapped_file()->data() + f.data_offset());
            CHECK(v.data + v.bytes <= f.mapped_file()->data() + f.mapped_file()->size());

            const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
            REQUIRE(tokens);
            REQUIRE(tokens->array);
            CHECK(tokens->array->element_type == GgufType::String);
            CHECK(tokens->array->count == vocab);
        }
    }
}

TEST_CASE("gguf: metadata of every value type, arrays and nested arrays") {
    GgufBytes b;
    b.header(2, 0, 12);
    b.str("u8").u32(0).u8(200);
    b.str("i8").u32(1).u8(0xfe);
    b.str("u16").u32(2).u16(60000);
    b.str("i16").u32(3).u16(0x8000);
    b.kv_u32("u32", 4000000000u);
    b.str("i32").u32(5).u32(uint32_t(-7));
    b.kv_f32("f32", 0.5f);
    b.str("bool").u32(7).u8(1);
    b.kv_str("string", "héllo");
    b.str("u64").u32(10).u64(1ull << 40);
    b.str("f64").u32(12).f64(-2.25);
    // [[1, 2], [], [3]] as int64, then nothing else: an array of arrays.
    b.str("nested").u32(9).u32(9).u64(3);
    b.u32(11).u64(2).u64(1).u64(2);
    b.u32(11).u64(0);
    b.u32(11).u64(1).u64(3);

    GgufFile f = parse(b);
    CHECK(f.version() == 2);
    CHECK(f.metadata().size() == 12);
    CHECK(*f.find("u8")->as_uint() == 200);
    CHECK(*f.find("i8")->as_int() == -2);
    CHECK_FALSE(f.find("i8")->as_uint());
    CHECK(*f.find("u16")->as_uint() == 60000);
    CHECK(*f.find("i16")->as_int() == -32768);
    CHECK(*f.find("u32")->as_uint() == 4000000000u);
    CHECK(*f.find("i32")->as_int() == -7);
    CHECK(*f.find("f32")->as_double() == 0.5);
    CHECK(f.find("bool")->type == GgufType::Bool);
    CHECK(f.find("bool")->bits == 1);
    CHECK(f.find("string")->string == "héllo");
    CHECK_FALSE(f.find("string")->as_double());
    CHECK(*f.find("u64")->as_uint() == (1ull << 40));
    CHECK(*f.find("f64")->as_double() == -2.25);

    const GgufArray& outer = *f.find("nested")->array;
    REQUIRE(outer.count == 3);
    CHECK(outer.element_type == GgufType::Array);
    CHECK(outer.at(0).array->count == 2);
    CHECK(*outer.at(0).array->at(1).as_int() == 2);
    CHECK(outer.at(1).array->count == 0);
    CHECK(*outer.at(2).array->at(0).as_int() == 3);
    CHECK_THROWS_AS(outer.at(3), InputError);
    CHECK(f.tensors().empty());
}

TEST_CASE("gguf: general.alignment moves the data section and the offsets") {
    GgufBytes b;
    b.header(3, 2, 1).kv_u32("general.alignment", 64);
    b.tensor_info("a", {32}, 0, 0).tensor_info("b", {32}, 8, 128).pad_to(64).zeros(128 + 34);
    GgufFile f = parse(b);
    CHECK(f.alignment() == 64);
    CHECK(f.data_offset() % 64 == 0);
    CHECK(f.find_tensor("b")->dtype == DType::Q8_0);
    CHECK(f.find_tensor("b")->bytes == 34);

    GgufBytes bad;
    bad.header(3, 0, 1).kv_u32("general.alignment", 48);
    expect_error(bad, "general.alignment");
}

TEST_CASE("gguf: header errors") {
    GgufBytes magic;
    magic.raw("GGML", 4).u32(3).u64(0).u64(0);
    expect_error(magic, "not a GGUF file");

    GgufBytes v1;
    v1.header(1, 0, 0);
    expect_error(v1, "GGUF version 1 is not supported");

    GgufBytes v4;
    v4.header(4, 0, 0);
    expect_error(v4, "GGUF version 4 is not supported");

    GgufBytes big_endian;
    big_endian.header(0x03000000u, 0, 0);
    expect_error(big_endian, "big-endian");

    expect_error(GgufBytes{}, "magic needs 4 bytes");
}

TEST_CASE("gguf: truncation anywhere before the end of the data is an error") {
    std::vector<uint8_t> whole = read_bytes(fixture("llama_mqa", "f16"));
    GgufFile full = GgufFile::parse(whole.data(), whole.size(), "test.gguf");
    uint64_t data_end = 0;
    for (const GgufTensorInfo& t : full.tensors()) data_end = std::max(data_end, t.offset + t.bytes);
    data_end += full.data_offset();
    REQUIRE(data_end == whole.size());

    // Every cut inside the header, metadata and tensor infos, then a few in the data.
    std::vector<size_t> cuts;
    for (size_t n = 0; n < full.data_offset(); ++n) cuts.push_back(n);
    for (size_t n : {full.data_offset(), full.data_offset() + 1, size_t(data_end) - 1}) cuts.push_back(n);
    size_t failures = 0;
    for (size_t n : cuts) {
        try {
            GgufFile::parse(whole.data(), n, "test.gguf");
        } catch (const InputError& e) {
            ++failures;
            if (std::string(e.what()).find("test.gguf: ") != 0) FAIL_CHECK(e.what());
        }
    }
    // The padding before the data section is the only place a cut may go unnoticed
    // when no tensor starts there; here the first tensor starts right at it.
    CHECK(failures == cuts.size());

    GgufBytes header;
    header.header(3, 0, 0);
    header.bytes.resize(6);
    expect_error(header, "file truncated: version needs 4 bytes at offset 4");
    header = GgufBytes{};
    header.header(3, 0, 0);
    header.bytes.resize(4 + 4 + 8 + 3);
    expect_error(header, "metadata key/value count needs 8 bytes");

    GgufBytes kv;
    kv.header(3, 0, 1).str("key").u32(4);
    expect_error(kv, "file truncated: metadata 'key' needs 4 bytes");

    GgufBytes info;
    info.header(3, 1, 0).str("w").u32(2).u64(32);
    info.zeros(16);
    expect_error(info, "of tensor 'w' needs 8 bytes");

    expect_error(one_tensor_file(0, 2 * 32 * 4 - 1), "tensor 'w' data (offset 0, 256 bytes) extends past the end");
}

TEST_CASE("gguf: lying lengths and counts are rejected before any allocation") {
    GgufBytes key;
    key.header(3, 0, 1).u64(1ull << 62).raw("abc", 3).zeros(16);
    expect_error(key, "string length 4611686018427387904 of metadata key 0");

    GgufBytes value;
    value.header(3, 0, 1).str("name").u32(8).u64(1000).raw("short", 5);
    expect_error(value, "string length 1000 of metadata 'name'");

    GgufBytes array;
    array.header(3, 0, 1).str("tokens").u32(9).u32(8).u64(1ull << 60).str("a");
    expect_error(array, "array metadata 'tokens' claims 1152921504606846976 elements of string");

    GgufBytes numbers;
    numbers.header(3, 0, 1).str("ids").u32(9).u32(5).u64(5).u32(1).u32(2);
    expect_error(numbers, "claims 5 elements of int32");

    GgufBytes kv_count;
    kv_count.header(3, 0, ~0ull).zeros(64);
    expect_error(kv_count, "metadata count 18446744073709551615 cannot fit");

    GgufBytes tensor_count;
    tensor_count.header(3, 1ull << 40, 0).zeros(64);
    expect_error(tensor_count, "tensor count 1099511627776 cannot fit");

    GgufBytes deep;
    deep.header(3, 0, 1).str("deep").u32(9);
    for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
    deep.u32(0).u64(0);
    expect_error(deep, "nests arrays more than 8 levels deep");

    GgufBytes unknown;
    unknown.header(3, 0, 1).str("odd").u32(13).u32(0);
    expect_error(unknown, "metadata 'odd' has unknown value type 13");

    GgufBytes duplicate;
    duplicate.header(3, 0, 2).kv_u32("a", 1).kv_u32("a", 2);
    expect_error(duplicate, "duplicate metadata key 'a'");
}

TEST_CASE("gguf: tensor info errors name the tensor") {
    GgufBytes past_end;
    past_end.header(3, 1, 0).tensor_info("w", {32}, 0, 1ull << 40).pad_to(32).zeros(128);
    expect_error(past_end, "tensor 'w' data (offset 1099511627776, 128 bytes) extends past the end of the file");

    GgufBytes misaligned;
    misaligned.header(3, 1, 0).tensor_info("w", {32}, 0, 16).pad_to(32).zeros(256);
    expect_error(misaligned, "tensor 'w' data offset 16 is not a multiple of the alignment 32");

    GgufBytes q8k;  // Q8_K: llama.cpp's intermediate type, never a stored weight
    q8k.header(3, 1, 0).tensor_info("blk.0.ffn_down.weight", {256, 2}, 15, 0).pad_to(32).zeros(608);
    expect_error(q8k, "tensor 'blk.0.ffn_down.weight' has type Q8_K, which is not supported");

    GgufBytes iq;
    iq.header(3, 1, 0).tensor_info("x", {256}, 17, 0).pad_to(32).zeros(288);
    expect_error(iq, "has type IQ2_XS");

    GgufBytes dims;
    dims.header(3, 1, 0).tensor_info("w", {1, 1, 1, 1, 1}, 0, 0).pad_to(32).zeros(32);
    expect_error(dims, "tensor 'w' has n_dims 5 (at most 4)");

    GgufBytes overflow;
    overflow.header(3, 1, 0).tensor_info("w", {1ull << 32, 1ull << 32}, 0, 0).pad_to(32).zeros(32);
    expect_error(overflow, "tensor 'w' has dimensions whose element count overflows");

    // 2^62 f32 elements: the element count fits, the byte count (2^64) does not.
    GgufBytes byte_overflow;
    byte_overflow.header(3, 1, 0).tensor_info("w", {1ull << 31, 1ull << 31}, 0, 0).pad_to(32).zeros(32);
    expect_error(byte_overflow, "tensor 'w' is too large: its byte size overflows");

    GgufBytes negative;
    negative.header(3, 1, 0).tensor_info("w", {~0ull}, 0, 0).pad_to(32).zeros(32);
    expect_error(negative, "element count overflows");

    GgufBytes partial_block;
    partial_block.header(3, 1, 0).tensor_info("w", {48, 2}, 8, 0).pad_to(32).zeros(34 * 4);
    expect_error(partial_block, "tensor 'w' of type Q8_0 has a row of 48 elements, not a multiple of the block size 32");

    GgufBytes duplicate;
    duplicate.header(3, 2, 0).tensor_info("w", {32}, 0, 0).tensor_info("w", {32}, 0, 128).pad_to(32).zeros(256);
    expect_error(duplicate, "duplicate tensor name 'w'");
}

TEST_CASE("gguf: views decode each supported type") {
    for (uint32_t type : {0u, 1u, 2u, 8u, 30u}) {
        CAPTURE(type);
        GgufBytes b = one_tensor_file(type, 256);
        GgufFile f = parse(b);
        const GgufTensorInfo& t = f.tensors().at(0);
        CHECK(t.shape == std::vector<uint64_t>{2, 32});
        TensorView v = f.view(t);
        CHECK(v.bytes == dtype_storage_bytes(v.dtype, 64));
        std::vector<float> values = to_f32(v);
        CHECK(values.size() == 64);
    }
}

TEST_CASE("gguf: opening a missing file names it") {
    CHECK_THROWS_WITH_AS(GgufFile::open("/nonexistent/model.gguf"), doctest::Contains("/nonexistent/model.gguf"),
                         InputError);
}
