// `vkllm chat` as a user runs it, with the conversation piped in: two turns,
// /reset, and a conversation that outgrows the context.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.h"

namespace {

struct Result {
    int exit_code;
    std::string output;  // stdout and stderr together
};

// Runs `vkllm chat` on the shipped model with `lines` as its stdin.
Result chat(const std::string& lines, const std::string& args) {
    const std::string input = "vkllm_chat_cli_test_input.txt";
    std::ofstream(input) << lines;
    auto r = vkllm::test::run_cli("chat -m " + std::string(VKLLM_SOURCE_DIR) + "/models/default " + args + " < " + input);
    std::remove(input.c_str());
    return {r.exit_code, r.output};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("chat answers two piped turns, one reply line each") {
    Result r = chat("Once upon a time\nThe little dog\n", "--greedy --max-tokens 8 --quiet");
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> replies = lines_of(r.output);
    REQUIRE(replies.size() == 2);
    CHECK_FALSE(replies[0].empty());
    CHECK_FALSE(replies[1].empty());
}

TEST_CASE("/reset starts the conversation over: the same first message gets the same greedy reply") {
    Result r = chat("Once upon a time\n/reset\nOnce upon a time\n/exit\nnever read\n", "--greedy --max-tokens 8 --quiet");
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> replies = lines_of(r.output);
    REQUIRE(replies.size() == 2);
    CHECK_FALSE(replies[0].empty());
    CHECK(replies[0] == replies[1]);
}

TEST_CASE("a conversation longer than the context is reset with a clear message") {
    std::string sentence = "The little dog ran to the park and played with a red ball all day long.";
    Result r = chat(sentence + "\n" + sentence + "\n" + sentence + "\n", "--greedy --max-tokens 8 --quiet --context 48");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("too long for the context of 48 tokens; starting a new one") != std::string::npos);
}

TEST_CASE("a single message longer than the context is skipped with a clear message") {
    std::string words;
    for (int i = 0; i < 40; ++i) words += "the little dog ran ";
    Result r = chat(words + "\nOnce upon a time\n", "--greedy --max-tokens 4 --quiet --context 32");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("is too long for the context of 32 tokens; skipped") != std::string::npos);
    // The next message still gets an answer.
    CHECK(lines_of(r.output).size() == 2);
}

TEST_CASE("an unknown --template is refused") {
    Result r = chat("hi\n", "--template vicuna --quiet");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("chat template 'vicuna'") != std::string::npos);
}

TEST_CASE("each turn feeds only its new tokens: the cache keeps the conversation") {
    Result r = chat("Once upon a time\nThe little dog\n", "--greedy --max-tokens 8");
    REQUIRE(r.exit_code == 0);
    std::vector<unsigned> fed, in_use;
    for (const std::string& line : lines_of(r.output)) {
        unsigned turn = 0, reply = 0, used = 0, context = 0;
        if (std::sscanf(line.c_str(), "vkllm: turn of %u new tokens, reply of %u tokens, %u of %u context", &turn, &reply,
                        &used, &context) == 4) {
            fed.push_back(turn);
            in_use.push_back(used);
        }
    }
    REQUIRE(fed.size() == 2);
    // The second turn is a few tokens, not the whole conversation again, and
    // it lands on top of what the first turn left in the cache.
    CHECK(fed[1] < in_use[0]);
    CHECK(in_use[1] > in_use[0]);
    CHECK(in_use[1] <= in_use[0] + fed[1] + 8);
}

TEST_CASE("--template on a vocabulary without its markers still chats, with a warning") {
    Result r = chat("Hello\n", "--template chatml --greedy --max-tokens 4 --system \"Be brief.\"");
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("template chatml") != std::string::npos);
    CHECK(r.output.find("'<|im_end|>' is not a token") != std::string::npos);
    CHECK(r.output.find("turn of ") != std::string::npos);
}
