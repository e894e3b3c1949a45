// The shared readers behind every file and number a user gives.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/input_file.h"
#include "common/parse_number.h"
#include "vkllm/error.h"

namespace fs = std::filesystem;
using namespace vkllm;

TEST_CASE("parse_unsigned takes plain decimal digits only, without overflow") {
    CHECK(parse_unsigned("0") == 0u);
    CHECK(parse_unsigned("18446744073709551615") == UINT64_MAX);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "18446744073709551616", "99999999999999999999"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_unsigned(bad).has_value());
    }
}

TEST_CASE("parse_finite refuses what is not a finite number") {
    CHECK(parse_finite("0.5") == 0.5);
    CHECK(parse_finite("-2") == -2.0);
    CHECK(parse_finite("+3") == 3.0);
    for (const char* bad : {"", "garbage", "nan", "inf", "-inf", "1e999", "1.5s"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_finite(bad).has_value());
    }
}

TEST_CASE("read_regular_file: pipes, devices, folders and files past the cap are refused by name") {
    const fs::path dir = fs::temp_directory_path() / ("vkllm-input-file-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string fifo = (dir / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string named_pipe = "thing '" + fifo + "' is a named pipe";
    CHECK_THROWS_WITH_AS(read_regular_file(fifo, "thing", 100), doctest::Contains(named_pipe.c_str()), InputError);
    CHECK_THROWS_WITH_AS(read_regular_file("/dev/zero", "thing", 100), doctest::Contains("character device"), InputError);
    CHECK_THROWS_WITH_AS(read_regular_file(dir.string(), "thing", 100), doctest::Contains("is a directory"), InputError);
    CHECK_THROWS_WITH_AS(read_regular_file((dir / "absent").string(), "thing", 100), doctest::Contains("does not exist"),
                         InputError);
    const std::string file = (dir / "f.txt").string();
    std::ofstream(file) << "0123456789";
    CHECK(read_regular_file(file, "thing", 10) == "0123456789");
    CHECK_THROWS_WITH_AS(read_regular_file(file, "thing", 9), doctest::Contains("is 10 bytes, more than the 9 bytes"),
                         InputError);
    CHECK(format_cap(512ull << 20) == "512 MiB");
    fs::remove_all(dir);
}
