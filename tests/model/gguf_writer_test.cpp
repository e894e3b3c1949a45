// The GGUF writer against the GGUF reader: every key, array and tensor comes
// back as written, aligned to 32 bytes.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "vkllm/error.h"

using namespace vkllm;

TEST_CASE("GGUF writer: metadata and tensors read back as written") {
    const std::string path = (std::filesystem::temp_directory_path() / ("vkllm_gguf_writer_test_" + std::to_string(getpid()) + ".gguf")).string();
    std::vector<uint8_t> a(2 * 3 * 4), b(2 * 34);
    for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i * 7 + 1);
    for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 3 + 5);
    {
        GgufWriter w;
        w.add_string("general.architecture", "llama");
        w.add_u32("llama.block_count", 7);
        w.add_i32("test.negative", -5);
        w.add_f32("test.float", 1.5f);
        w.add_bool("test.flag", true);
        w.add_strings("test.strings", {"a", "", "ü b"});
        w.add_i32s("test.ints", {1, -2, 3});
        w.add_f32s("test.floats", {0.25f, -8.0f});
        w.add_u32("general.alignment", GgufWriter::kAlignment);
        CHECK_THROWS_AS(w.add_u32("llama.block_count", 1), Error);
        CHECK(w.add_tensor("a", DType::F32, {2, 3}) == a.size());
        CHECK(w.add_tensor("b", DType::Q8_0, {2, 32}) == b.size());
        CHECK_THROWS_AS(w.add_tensor("c", DType::Q8_0, {2, 33}), InputError);
        w.write_header(path);
        w.write_data(a.data(), 10);
        w.write_data(a.data() + 10, a.size() - 10);
        w.finish_tensor();
        w.write_data(b.data(), b.size());
        CHECK_THROWS_AS(w.write_data(b.data(), 1), Error);
        w.finish_tensor();
        w.close();
    }
    GgufFile f = GgufFile::open(path);
    CHECK(f.version() == 3);
    CHECK(f.alignment() == 32);
    CHECK(f.data_offset() % 32 == 0);
    CHECK(f.find("general.architecture")->string == "llama");
    CHECK(f.find("llama.block_count")->as_uint() == 7u);
    CHECK(f.find("test.negative")->as_int() == -5);
    CHECK(f.find("test.float")->as_double() == 1.5);
    CHECK(f.find("test.flag")->type == GgufType::Bool);
    CHECK(f.find("test.flag")->bits == 1u);
    const GgufArray& s = *f.find("test.strings")->array;
    REQUIRE(s.strings.size() == 3);
    CHECK(s.strings[2] == "ü b");
    CHECK(f.find("test.ints")->array->at(1).as_int() == -2);
    CHECK(f.find("test.floats")->array->at(1).as_double() == -8.0);
    REQUIRE(f.tensors().size() == 2);
    const GgufTensorInfo& ta = f.tensors()[0];
    const GgufTensorInfo& tb = f.tensors()[1];
    CHECK(ta.name == "a");
    CHECK(ta.shape == std::vector<uint64_t>{2, 3});
    CHECK(ta.ne == std::vector<uint64_t>{3, 2});
    CHECK(tb.dtype == DType::Q8_0);
    CHECK(tb.offset % 32 == 0);
    CHECK(std::memcmp(f.view(ta).data, a.data(), a.size()) == 0);
    CHECK(std::memcmp(f.view(tb).data, b.data(), b.size()) == 0);

    // Copying every value of the file into a new one gives the same metadata.
    const std::string copy = path + ".copy.gguf";
    {
        GgufWriter w;
        for (const auto& [key, value] : f.metadata()) w.add_value(key, value);
        w.write_header(copy);
        w.close();
    }
    GgufFile g = GgufFile::open(copy);
    CHECK(g.metadata().size() == f.metadata().size());
    CHECK(g.find("test.strings")->array->strings[2] == "ü b");
    CHECK(g.find("test.floats")->array->at(0).as_double() == 0.25);
    std::filesystem::remove(path);
    std::filesystem::remove(copy);
}

TEST_CASE("GGUF writer: an unwritable path is an InputError naming it") {
    GgufWriter w;
    w.add_u32("general.alignment", 32);
    try {
        w.write_header("/nonexistent-folder/x.gguf");
        FAIL("expected an error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("/nonexistent-folder/x.gguf") != std::string::npos);
    }
}
