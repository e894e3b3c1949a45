// Ctrl-C (SIGINT) as a user at a terminal sends it: `run` stops, prints its
// timing line and exits 130; `chat` stops the reply and goes on, and a
// Ctrl-C at the prompt ends the session.
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include "support/cli_process.h"

namespace {
const std::string kModel = std::string(VKLLM_SOURCE_DIR) + "/models/default";
}

TEST_CASE("run: Ctrl-C stops generating, prints the timing line and exits 130") {
    // 500 tokens take seconds on any device; the signal comes at the first generated text.
    vkllm::test::CliProcess run("run -m " + kModel + " -p 'And God said' -n 500 --ignore-eos");
    REQUIRE(run.wait_for_output("And God said", 120));
    run.send_signal(SIGINT);
    CHECK(run.wait(60) == 130);
    CAPTURE(run.output());
    CHECK(run.output().find("tokens/s (interrupted)") != std::string::npos);
    CHECK(run.output().find("generated 500 tokens") == std::string::npos);
}

TEST_CASE("chat: the first Ctrl-C stops the reply and the session goes on; Ctrl-C at the prompt exits") {
    // --ignore-eos: the reply runs until the context is full, long after the signal.
    vkllm::test::CliProcess chat("chat -m " + kModel + " -n 100000 --ignore-eos --seed 3");
    REQUIRE(chat.wait_for_output("/help lists the commands", 120));
    chat.write_stdin("And God said\n");
    const size_t before = chat.output().size();
    // The reply streams to stdout; stop it as soon as it has started.
    REQUIRE(chat.wait_for_output(" ", 60, before + 1));
    chat.send_signal(SIGINT);
    REQUIRE(chat.wait_for_output("reply stopped (Ctrl-C)", 60));
    CAPTURE(chat.output());
    // The cache kept what the reply produced: the turn line reports the tokens in use.
    CHECK(chat.output().find("context tokens in use") != std::string::npos);
    CHECK(chat.output().find("starts over") == std::string::npos);

    // The session is still there: another message gets a reply.
    chat.write_stdin("/reset\n");
    REQUIRE(chat.wait_for_output("conversation reset", 30));
    // Ctrl-C at the (empty) prompt ends the session normally.
    chat.send_signal(SIGINT);
    CHECK(chat.wait(30) == 0);
}

TEST_CASE("chat: Ctrl-D (end of input) exits") {
    vkllm::test::CliProcess chat("chat -m " + kModel + " -n 4 --greedy");
    chat.close_stdin();
    CHECK(chat.wait(120) == 0);
}
