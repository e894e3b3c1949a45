// `vkllm tokenize` / `vkllm detokenize` as a user runs them.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <fstream>

#include "tokenizer/fixture_files.h"

namespace {

namespace fs = std::filesystem;

struct Run {
    int status;
    std::string out, err;
};

Run run_cli(const std::string& args, const std::string& input) {
    static int counter = 0;
    const fs::path base = vkllm::test::scratch_dir() / ("cli" + std::to_string(counter++));
    std::ofstream(base.string() + ".in", std::ios::binary) << input;
    const std::string command = std::string("'") + VKLLM_CLI_PATH + "' " + args + " < '" + base.string() + ".in' > '" +
                                base.string() + ".out' 2> '" + base.string() + ".err'";
    const int raw = std::system(command.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, vkllm::test::read_text_file(base.string() + ".out"),
            vkllm::test::read_text_file(base.string() + ".err")};
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace

TEST_CASE("CLI round trip through tokenize and detokenize") {
    // Each run loads the whole tokenizer, so all reference strings go through
    // in one text; the library's ids for it are checked case by case elsewhere.
    const fs::path qwen = vkllm::test::unpacked_tokenizer_dir("qwen3");
    const auto& library = vkllm::test::fixture_tokenizer("qwen3");
    std::string all_text;
    for (const auto& c : vkllm::test::tokenizer_cases("qwen3")) all_text += c["text"].get<std::string>() + "\n";
    const Run tokenized = run_cli("tokenize --tokenizer " + quoted(qwen / "tokenizer.json"), all_text);
    REQUIRE(tokenized.status == 0);
    const auto ids = nlohmann::json::parse(tokenized.out).get<std::vector<int32_t>>();
    CHECK(ids == library.encode(all_text));
    const Run detokenized = run_cli("detokenize --tokenizer " + quoted(qwen), tokenized.out);
    REQUIRE(detokenized.status == 0);
    CHECK(detokenized.out == all_text);

    const auto first = vkllm::test::tokenizer_cases("qwen3").at(0);
    const Run one = run_cli("tokenize --tokenizer " + quoted(qwen), first["text"].get<std::string>());
    CHECK(nlohmann::json::parse(one.out) == first["ids"]);
}

TEST_CASE("CLI special-token flags") {
    const fs::path tiny = vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json";
    Run r = run_cli("tokenize --add-special --tokenizer " + quoted(tiny), "hello world");
    CHECK(r.status == 0);
    CHECK(nlohmann::json::parse(r.out) == nlohmann::json::array({1, 271, 276}));
    r = run_cli("detokenize --tokenizer " + quoted(tiny), "[1, 271, 276, 2]");
    CHECK(r.out == "<s> hello world</s>");
    r = run_cli("detokenize --skip-special --tokenizer " + quoted(tiny), "[1, 271, 276, 2]");
    CHECK(r.out == "hello world");
}

TEST_CASE("CLI errors are reported, not crashed on") {
    const fs::path tiny = vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json";
    Run r = run_cli("detokenize --tokenizer " + quoted(tiny), "[5, 280]");
    CHECK(r.status == 1);
    CHECK(r.err.find("280") != std::string::npos);
    CHECK(r.err.find("size 280") != std::string::npos);
    r = run_cli("detokenize --tokenizer " + quoted(tiny), "[5, ");
    CHECK(r.status == 1);
    CHECK(r.err.find("stdin: JSON syntax error at line 1, column") != std::string::npos);
    r = run_cli("detokenize --tokenizer " + quoted(tiny), "{\"ids\": [1]}");
    CHECK(r.status == 1);
    CHECK(r.err.find("array") != std::string::npos);
    r = run_cli("detokenize --tokenizer " + quoted(tiny), "[-1]");
    CHECK(r.status == 1);
    CHECK(r.err.find("-1") != std::string::npos);
    const fs::path missing = vkllm::test::scratch_dir() / "no-such-tokenizer.json";
    r = run_cli("tokenize --tokenizer " + quoted(missing), "hi");
    CHECK(r.status == 1);
    CHECK(r.err.find("no-such-tokenizer.json") != std::string::npos);
}
