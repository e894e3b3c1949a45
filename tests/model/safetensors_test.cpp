#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "model/safetensors.h"
#include "vkllm/error.h"

using namespace vkllm;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir() {
    // Created on first use, removed when the test program exits.
    static const struct Scratch {
        fs::path dir = fs::temp_directory_path() / ("vkllm_safetensors_test_" + std::to_string(::getpid()));
        ~Scratch() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } scratch;
    fs::create_directories(scratch.dir);
    return scratch.dir;
}

std::string le64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = char((v >> (8 * i)) & 0xFF);
    return s;
}

std::string write_raw(const std::string& name, const std::string& bytes) {
    fs::path p = scratch_dir() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
}

std::string write_file(const std::string& name, const std::string& header, const std::string& data) {
    return write_raw(name, le64(header.size()) + header + data);
}

std::string floats(std::initializer_list<float> values) {
    std::string s;
    for (float v : values) s.append(reinterpret_cast<const char*>(&v), 4);
    return s;
}

std::string error_of(const std::string& path) {
    try {
        open_safetensors(path);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("safetensors: a valid file maps tensors in place") {
    const std::string header =
        R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
        R"("b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}})";
    std::string data = floats({1.5f, -2.f, 3.f, 4.25f}) + std::string("\x00\x3c\x00\xc0", 4);  // f16 1, -2
    const std::string path = write_file("ok.safetensors", header, data);
    SafetensorsFile f = open_safetensors(path);
    REQUIRE(f.tensors.size() == 2);
    CHECK(f.metadata.at("format") == "pt");
    const TensorView& a = f.tensors.at("a");
    CHECK(a.shape == std::vector<uint64_t>{2, 2});
    CHECK(a.data == f.file->data() + 8 + header.size());
    CHECK(to_f32(a) == std::vector<float>{1.5f, -2.f, 3.f, 4.25f});
    CHECK(to_f32(f.tensors.at("b")) == std::vector<float>{1.f, -2.f});

    SafetensorsCheckpoint whole = open_safetensors_checkpoint(path);
    CHECK(whole.find("a") != nullptr);
    CHECK(whole.find("c") == nullptr);
}

TEST_CASE("safetensors: sharded checkpoint through an index") {
    const fs::path dir = scratch_dir() / "sharded";
    fs::create_directories(dir);
    auto shard = [&](const std::string& name, const std::string& tensor) {
        std::string header = R"({")" + tensor + R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
        std::ofstream(dir / name, std::ios::binary) << le64(header.size()) << header << floats({7.f});
    };
    shard("a.safetensors", "x");
    shard("b.safetensors", "y");
    std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"x":"a.safetensors","y":"b.safetensors"}})";
    SafetensorsCheckpoint c = open_safetensors_checkpoint(dir.string());
    CHECK(c.files.size() == 2);
    REQUIRE(c.find("y") != nullptr);
    CHECK(to_f32(*c.find("y"))[0] == 7.f);

    std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"x":"b.safetensors"}})";
    try {
        open_safetensors_checkpoint(dir.string());
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("'x' in b.safetensors") != std::string::npos);
    }
}

TEST_CASE("safetensors: malformed files give messages naming the problem") {
    const std::string good_entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    const std::string data = floats({1.f, 2.f});

    SUBCASE("truncated before the header length") {
        std::string p = write_raw("short.safetensors", std::string("\x10\x00\x00", 3));
        CHECK(error_of(p).find("too short") != std::string::npos);
        CHECK(error_of(p).find("short.safetensors") != std::string::npos);
    }
    SUBCASE("header length past the end of the file") {
        std::string p = write_raw("long.safetensors", le64(1000) + "{}");
        CHECK(error_of(p).find("header length 1000 runs past the end") != std::string::npos);
    }
    SUBCASE("absurd header length") {
        std::string p = write_raw("huge.safetensors", le64(~0ull) + "{}");
        CHECK(error_of(p).find("runs past the end") != std::string::npos);
    }
    SUBCASE("bad JSON") {
        std::string p = write_file("json.safetensors", R"({"w":{"dtype":"F32",)", data);
        CHECK(error_of(p).find("not valid JSON") != std::string::npos);
    }
    SUBCASE("truncated data section") {
        std::string p = write_file("trunc.safetensors", "{" + good_entry + "}", data.substr(0, 6));
        CHECK(error_of(p).find("tensor 'w'") != std::string::npos);
        CHECK(error_of(p).find("needs more bytes than the file's data section") != std::string::npos);
    }
    SUBCASE("offsets past the end") {
        std::string p = write_file("offsets.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", data);
        CHECK(error_of(p).find("tensor 'w': data_offsets end 12 is past the end") != std::string::npos);
    }
    SUBCASE("begin after end") {
        std::string p = write_file("order.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", data);
        CHECK(error_of(p).find("begin 8 > end 4") != std::string::npos);
    }
    SUBCASE("size does not match the shape") {
        std::string p = write_file("size.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", data);
        CHECK(error_of(p).find("span 8 bytes but F32 shape [1] needs 4") != std::string::npos);
    }
    SUBCASE("unknown dtype") {
        std::string p = write_file("dtype.safetensors",
                                   R"({"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", data);
        CHECK(error_of(p).find("tensor 'w': unsupported dtype 'I64'") != std::string::npos);
    }
    SUBCASE("absurd shape overflowing 64 bits") {
        std::string p = write_file("shape.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",
                                   data);
        CHECK(error_of(p).find("overflows the element count") != std::string::npos);
    }
    SUBCASE("huge shape that fits 64 bits") {
        std::string p = write_file("big.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[4294967296,4294967295],"data_offsets":[0,8]}})",
                                   data);
        CHECK(error_of(p).find("needs more bytes") != std::string::npos);
    }
    SUBCASE("negative dimension") {
        std::string p = write_file("neg.safetensors",
                                   R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data);
        CHECK(error_of(p).find("negative dimension") != std::string::npos);
    }
    SUBCASE("entry without offsets") {
        std::string p = write_file("nooff.safetensors", R"({"w":{"dtype":"F32","shape":[2]}})", data);
        CHECK(error_of(p).find("'data_offsets' must be") != std::string::npos);
    }
}
