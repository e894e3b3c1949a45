// Every input path bounded: files that are not regular files, oversized
// inputs, out-of-range numbers, unwritable output, and the messages and
// options a user of the command line meets. Each case runs the binary.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"

namespace fs = std::filesystem;
using vkllm::test::run_cli;

namespace {

const std::string kModel = std::string(VKLLM_SOURCE_DIR) + "/models/default";
// Every case must end within seconds; a hang shows up as exit status 124.
const std::string kTimeout = "timeout 60";

struct Scratch {
    fs::path path;
    Scratch() {
        path = fs::temp_directory_path() / ("vkllm-bounds-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

bool has(const vkllm::test::CliResult& r, const std::string& text) { return r.output.find(text) != std::string::npos; }

// The tiny Llama config with its weights made by make-model, in `dir`.
std::string make_tiny_model(const Scratch& s) {
    auto r = run_cli("make-model --config " + std::string(VKLLM_SOURCE_DIR) + "/configs/models/tiny-llama.toml --seed 1 --out " +
                     s / "tiny");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    for (const auto& entry : fs::directory_iterator(s.path / "tiny"))
        if (entry.path().extension() == ".toml") return entry.path().string();
    FAIL("make-model wrote no TOML");
    return {};
}

}  // namespace

TEST_CASE("a named pipe anywhere a file is read is refused at once, by name") {
    Scratch s;
    const std::string fifo = s / "input.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

    // A TOML whose weights path is the pipe.
    write_text(s / "pipe-weights.toml", read_text(std::string(VKLLM_SOURCE_DIR) + "/configs/models/tiny-llama.toml") +
                                           "path = \"input.fifo\"\n");
    auto r = run_cli("info " + s / "pipe-weights.toml", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "input.fifo"));
    CHECK(has(r, "named pipe (FIFO), not a regular file"));

    r = run_cli("tokenize --tokenizer " + fifo + " < /dev/null", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "named pipe"));

    r = run_cli("run -m " + kModel + " --tokenizer " + fifo + " -p hi -n 1", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "named pipe"));

    r = run_cli("perplexity -m " + kModel + " -f " + fifo, kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "text file '" + fifo + "' is a named pipe"));

    // The config itself, a GGUF file and an HF folder's config.json as pipes.
    const std::string toml_fifo = s / "config.toml", gguf_fifo = s / "model.gguf";
    REQUIRE(::mkfifo(toml_fifo.c_str(), 0600) == 0);
    REQUIRE(::mkfifo(gguf_fifo.c_str(), 0600) == 0);
    fs::create_directories(s.path / "hf");
    REQUIRE(::mkfifo((s / "hf/config.json").c_str(), 0600) == 0);
    for (const std::string& path : {toml_fifo, gguf_fifo, s / "hf"}) {
        CAPTURE(path);
        r = run_cli("info " + path, kTimeout);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "named pipe"));
    }
}

TEST_CASE("/dev/zero and oversized files are refused before they are read") {
    Scratch s;
    auto r = run_cli("tokenize --tokenizer /dev/zero < /dev/null", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "'/dev/zero' is a character device, not a regular file"));

    // A TOML naming /dev/zero as its tokenizer: `info` checks the tokenizer too.
    const std::string toml = make_tiny_model(s);
    std::string text = read_text(toml);
    const size_t at = text.find("tokenizer = \"\"");
    REQUIRE(at != std::string::npos);
    write_text(toml, text.replace(at, 14, "tokenizer = \"/dev/zero\""));
    r = run_cli("info " + toml, kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "/dev/zero' is a character device"));

    // A sparse 600 MiB tokenizer.json: past the 512 MiB cap, refused by its size alone.
    const std::string big = s / "tokenizer.json";
    write_text(big, "{");
    fs::resize_file(big, 600ull << 20);
    r = run_cli("tokenize --tokenizer " + big + " < /dev/null", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "tokenizer file '" + big + "' is 629145600 bytes, more than the 512 MiB"));
}

TEST_CASE("--device and VKLLM_DEVICE numbers out of range get the device list, never an internal error") {
    for (const std::string& huge : {"99999999999999999999", "18446744073709551616", "7"}) {
        CAPTURE(huge);
        auto r = run_cli("run -m " + kModel + " -p hi -n 1 --device " + huge, kTimeout);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "device index " + huge + " is out of range; devices:"));
        CHECK_FALSE(has(r, "internal error"));
        r = run_cli("run -m " + kModel + " -p hi -n 1", kTimeout + " env VKLLM_DEVICE=" + huge);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "device index " + huge + " is out of range"));
    }
}

TEST_CASE("logits checks the length before any GPU work, with the real count") {
    std::string tokens = "1";
    for (int i = 1; i < 600; ++i) tokens += ",1";
    Scratch s;
    auto r = run_cli("logits -m " + kModel + " --decode --tokens " + tokens + " -o " + s / "out.bin", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "--tokens (600 ids) needs 600 tokens, more than the context of 512 tokens"));
    CHECK_FALSE(fs::exists(s.path / "out.bin"));
}

TEST_CASE("values that used to be accepted silently are refused by name") {
    auto r = run_cli("run -m " + kModel + " -p hi -n 1 --temperature -1", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "vkllm: error: --temperature: must be >= 0 (0 means greedy), got -1"));
    r = run_cli("run -m " + kModel + " -p hi -n 1 --seed -1", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "--seed: expected a whole number >= 0, got '-1'"));
    r = run_cli("run -m " + kModel + " -p hi -n -5", kTimeout);
    CHECK(r.exit_code == 1);

    r = run_cli("devices", kTimeout + " env VKLLM_DEVICE_LIMITS=max-buffer-range=-5");
    CHECK(r.exit_code == 1);
    CHECK(has(r, "VKLLM_DEVICE_LIMITS: 'max-buffer-range=-5' needs a size"));
    r = run_cli("devices", kTimeout + " env VKLLM_DEVICE_LIMITS=max-buffer-range=99999999999999999999G");
    CHECK(r.exit_code == 1);
    CHECK(has(r, "needs a size"));

    for (const std::string& bad : {"garbage", "0", "-1", "nan"}) {
        CAPTURE(bad);
        r = run_cli("run -m " + kModel + " -p hi -n 1", kTimeout + " env VKLLM_GPU_TIMEOUT=" + bad);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "VKLLM_GPU_TIMEOUT: '" + bad + "' is not a positive number of seconds"));
    }
}

TEST_CASE("stdout that cannot be written is an error for run, tokenize, info and logits -o") {
    const std::string tok = kModel + "/tokenizer.json", cli = vkllm::test::cli_path();
    for (const std::string& command :
         {kTimeout + " " + cli + " run -m " + kModel + " -p hi -n 4 --greedy",
          kTimeout + " " + cli + " info " + kModel,
          "printf 'And God said' | " + kTimeout + " " + cli + " tokenize --tokenizer " + tok,
          "printf '[5, 6, 7]' | " + kTimeout + " " + cli + " detokenize --tokenizer " + tok}) {
        CAPTURE(command);
        auto r = vkllm::test::run_shell(command + " 2>&1 >/dev/full");  // stderr to the test, stdout to a full disk
        CHECK(r.exit_code == 1);
        CHECK(has(r, "vkllm: error: cannot write to stdout: No space left on device"));
    }
    auto r = run_cli("logits -m " + kModel + " --tokens 1,2,3 -o /dev/full", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "/dev/full: cannot write: No space left on device"));
}

TEST_CASE("command-line mistakes: the unknown command named, the vkllm: error: prefix, exit 1") {
    auto r = run_cli("frobnicate --x");
    CHECK(r.exit_code == 1);
    CHECK(has(r, "vkllm: error: unknown command 'frobnicate'; commands: "));
    CHECK(has(r, "run"));
    r = run_cli("run --no-such-flag");
    CHECK(r.exit_code == 1);
    CHECK(r.output.rfind("vkllm: error: ", 0) == 0);
    CHECK(has(r, "--no-such-flag"));
    r = run_cli("logits -m " + kModel);  // required options missing
    CHECK(r.exit_code == 1);
    CHECK(r.output.rfind("vkllm: error: ", 0) == 0);
    r = run_cli("run --help");
    CHECK(r.exit_code == 0);
}

TEST_CASE("--help shows every default, the seed is random and printed, -c sets the context") {
    auto r = run_cli("run --help");
    REQUIRE(r.exit_code == 0);
    for (const char* shown : {"=64", "=40", "=0.8", "=1.1", "=random", "=gpu", "=auto"}) {
        CAPTURE(shown);
        CHECK(has(r, shown));
    }
    CHECK(has(r, "-c,--context"));
    r = run_cli("chat --help");
    CHECK(has(r, "=256"));
    CHECK(has(r, "-c,--context"));
    r = run_cli("bench --help");
    CHECK(has(r, "=512"));
    CHECK(has(r, "=128"));

    // Two runs without --seed draw different seeds and say which; --seed repeats a run.
    auto a = run_cli("run -m " + kModel + " -p 'And God said' -n 8 --json", kTimeout, false);
    auto b = run_cli("run -m " + kModel + " -p 'And God said' -n 8 --json", kTimeout, false);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    const auto ja = nlohmann::json::parse(a.output), jb = nlohmann::json::parse(b.output);
    CHECK(ja["seed"] != jb["seed"]);
    const std::string seed = std::to_string(ja["seed"].get<uint64_t>());
    auto c = run_cli("run -m " + kModel + " -p 'And God said' -n 8 --json --seed " + seed, kTimeout, false);
    CHECK(nlohmann::json::parse(c.output)["tokens"] == ja["tokens"]);
    r = run_cli("run -m " + kModel + " -p 'And God said' -n 2 --seed 77", kTimeout);
    CHECK(has(r, "seed 77"));

    // -c: the KV cache size, with the numbers when prompt + -n do not fit.
    r = run_cli("run -m " + kModel + " -p 'And God said' -n 32 -c 16", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "plus -n 32 new tokens needs"));
    CHECK(has(r, "more than the context of 16 tokens"));
    r = run_cli("run -m " + kModel + " -p hi -n 1 -c 100000", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "--context 100000 is more than the model's context of 512 tokens"));
    r = run_cli("run -m " + kModel + " -p 'And God said' -n 8 -c 64 --json", kTimeout, false);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.output)["context"] == 64);
    r = run_cli("chat -m " + kModel + " -c 48 --greedy -n 4 < /dev/null", kTimeout);
    CHECK(r.exit_code == 0);
    CHECK(has(r, "context 48 tokens"));
}

TEST_CASE("chat: /help lists the commands, an unknown /command is answered, not sent to the model") {
    Scratch s;
    write_text(s / "in.txt", "/help\n/frobnicate now\n/exit\n");
    auto r = run_cli("chat -m " + kModel + " --greedy -n 4 < " + s / "in.txt", kTimeout);
    CHECK(r.exit_code == 0);
    CHECK(has(r, "/reset start the conversation over"));
    CHECK(has(r, "unknown command '/frobnicate now'"));
    CHECK_FALSE(has(r, "turn of"));  // no message reached the model
}

TEST_CASE("long steps announce themselves on a terminal: bench phases, a long prefill") {
    // `script` gives the command a terminal, as a user at a shell has.
    const std::string cli = vkllm::test::cli_path();
    auto r = vkllm::test::run_shell("script -qec \"" + cli + " bench -m " + kModel + " -p 16 -n 4 -r 2\" /dev/null");
    CHECK(r.exit_code == 0);
    for (const char* phase : {"bench: loading", "bench: uploading weights", "bench: warm-up round", "bench: measured round 1/2",
                              "bench: measured round 2/2"}) {
        CAPTURE(phase);
        CHECK(has(r, phase));
    }
    std::string prompt;
    for (int i = 0; i < 40; ++i) prompt += "And God said, Let there be light. ";  // ~360 tokens: several steps
    r = vkllm::test::run_shell("script -qec \"" + cli + " run -m " + kModel + " -n 1 -p '" + prompt + "'\" /dev/null");
    CHECK(r.exit_code == 0);
    CHECK(has(r, "prompt ["));
    CHECK(has(r, " tokens"));
}

TEST_CASE("a tokenizer that does not fit the model is refused when loaded, not mid-generation") {
    Scratch s;
    nlohmann::json tok = nlohmann::json::parse(read_text(kModel + "/tokenizer.json"));

    // A special token past the model's 4096 ids.
    nlohmann::json extra = tok;
    extra["added_tokens"].push_back({{"id", 4096}, {"content", "<|extra|>"}, {"single_word", false}, {"lstrip", false},
                                     {"rstrip", false}, {"normalized", false}, {"special", true}});
    write_text(s / "extra.json", extra.dump());
    for (const std::string& command : {std::string("run -p hi -n 2"), std::string("chat -n 2 < /dev/null"), "perplexity -f " + kModel + "/heldout.txt"}) {
        CAPTURE(command);
        auto r = run_cli(command + " -m " + kModel + " --tokenizer " + s / "extra.json", kTimeout);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "special token '<|extra|>' has id 4096, outside the vocabulary of 4096"));
        CHECK_FALSE(has(r, "turn of"));
    }

    // A hole: id 4094 unused, so a sampled 4094 could not be decoded.
    nlohmann::json holes = tok;
    auto& vocab = holes["model"]["vocab"];
    std::string piece;
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        if (it.value() == 4094) piece = it.key();
    REQUIRE(!piece.empty());
    vocab.erase(piece);
    auto& merges = holes["model"]["merges"];
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& m : merges) {
        const std::string l = m[0], r = m[1];
        if (l != piece && r != piece && l + r != piece) kept.push_back(m);
    }
    merges = kept;
    write_text(s / "holes.json", holes.dump());
    auto r = run_cli("run -m " + kModel + " --tokenizer " + s / "holes.json" + " -p hi -n 2", kTimeout);
    CHECK(r.exit_code == 1);
    CHECK(has(r, "id 4094 is unused (a hole in the vocabulary)"));
}

TEST_CASE("info catches a GGUF eos id outside the vocabulary, as run does") {
    Scratch s;
    const std::string fixture = std::string(VKLLM_TEST_DATA_DIR) + "/gguf/llama_gqa/model-q8_0.gguf";
    std::string bytes = read_text(fixture);
    const std::string key = "tokenizer.ggml.eos_token_id";
    const size_t at = bytes.find(key);
    REQUIRE(at != std::string::npos);
    const size_t type_at = at + key.size(), value_at = type_at + 4;
    uint32_t type = 0;
    std::memcpy(&type, bytes.data() + type_at, 4);
    REQUIRE(type == 4);  // uint32
    const uint32_t bad = 999999;
    std::memcpy(bytes.data() + value_at, &bad, 4);
    write_text(s / "bad-eos.gguf", bytes);
    for (const std::string& command : {"info " + s / "bad-eos.gguf", "run -m " + s / "bad-eos.gguf" + " -p hi -n 1"}) {
        CAPTURE(command);
        auto r = run_cli(command, kTimeout);
        CHECK(r.exit_code == 1);
        CHECK(has(r, "eos_token_id"));
        CHECK(has(r, "999999"));
    }
}

TEST_CASE("chat: a message holding a token the model does not have is skipped with an error; the session goes on") {
    Scratch s;
    // An ordinary token, id 4096, one past the model's vocabulary: the merge z + q makes it.
    nlohmann::json tok = nlohmann::json::parse(read_text(kModel + "/tokenizer.json"));
    tok["model"]["vocab"]["zq"] = 4096;
    tok["model"]["merges"].push_back({"z", "q"});
    write_text(s / "tokenizer.json", tok.dump());
    write_text(s / "in.txt", "zq\nAnd God said\n");
    auto r = run_cli("chat -m " + kModel + " --tokenizer " + s / "tokenizer.json" + " --greedy -n 4 < " + s / "in.txt",
                     kTimeout);
    CHECK(r.exit_code == 0);
    CHECK(has(r, "token id 4096 from the tokenizer is outside the model's vocabulary of 4096"));
    CHECK(has(r, "the message was skipped"));
    CHECK(has(r, "turn of"));  // the next message got its reply
}
