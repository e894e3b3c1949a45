// Stop strings in a stream of pieces (serve/stop_filter.h): text is handed out
// only once no stop can begin in it, the stop and what follows never are,
// and pieces joined give the same result however the text is split.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "serve/choice_text.h"
#include "serve/stop_filter.h"

using namespace vkllm;
using namespace vkllm::serve;

namespace {

// The text handed out for `pieces`, whatever the stream is cut into.
std::string run(const std::vector<std::string>& stops, const std::vector<std::string>& pieces, bool* stopped = nullptr) {
    StopFilter f(stops);
    std::string out;
    for (const std::string& p : pieces) out += f.push(p);
    out += f.finish();
    if (stopped) *stopped = f.stopped();
    return out;
}

}  // namespace

TEST_CASE("stop filter: held back while a stop may begin, cut before the stop, same for every split") {
    bool stopped = false;
    CHECK(run({"END"}, {"abc", "dE", "NDxyz"}, &stopped) == "abcd");
    CHECK(stopped);
    CHECK(run({"END"}, {"abc", "dE", "x"}, &stopped) == "abcdEx");  // a partial stop that does not complete is handed out
    CHECK_FALSE(stopped);
    CHECK(run({}, {"a", "b"}) == "ab");
    // The earliest of several stops wins.
    CHECK(run({"cd", "b"}, {"abcd"}) == "a");
    const std::string text = "In the beginning God created the heaven and the earth.";
    for (const std::string& stop : {std::string("God"), std::string("heaven and"), std::string("."), std::string("nothing")}) {
        const size_t at = text.find(stop);
        const std::string expected = at == std::string::npos ? text : text.substr(0, at);
        for (size_t step = 1; step <= 7; ++step) {
            std::vector<std::string> pieces;
            for (size_t i = 0; i < text.size(); i += step) pieces.push_back(text.substr(i, step));
            CHECK(run({stop, "zz"}, pieces) == expected);
        }
    }
    // Nothing is handed out while the tail could still grow into the stop.
    StopFilter f({"abc"});
    CHECK(f.push("xa") == "x");
    CHECK(f.push("b") == "");
    CHECK(f.released() == 1);
    CHECK(f.push("d") == "abd");
}

TEST_CASE("choice text: log-probabilities of the tokens whose text is handed out, finish reasons, counts") {
    ChoiceText c({"C"}, true);
    CHECK(c.apply({0, 10, "A", -0.5f, FinishReason::None, {}}).text == "A");
    ChoiceUpdate u = c.apply({0, 11, "B", -0.25f, FinishReason::None, {}});
    REQUIRE(u.logprobs.size() == 1);
    CHECK(u.logprobs[0].token == "B");
    CHECK(u.logprobs[0].offset == 1);
    u = c.apply({0, 12, "xC", -1.f, FinishReason::StopString, {}});
    CHECK(u.text == "x");
    CHECK(u.logprobs.empty());  // the token that holds the stop is cut
    CHECK(c.finished());
    CHECK(*c.finish_reason() == "stop");
    CHECK(c.completion_tokens() == 3);

    ChoiceText eos({}, true);
    eos.apply({0, 5, "a", -0.1f, FinishReason::None, {}});
    u = eos.apply({0, 1, "", -0.2f, FinishReason::Eos, {}});
    CHECK(u.logprobs.empty());  // EOS ends the reply and is not part of it
    CHECK(*eos.finish_reason() == "stop");
    CHECK(eos.completion_tokens() == 2);

    ChoiceText length({}, false);
    CHECK(length.apply({0, 5, "a", 0, FinishReason::Length, {}}).logprobs.empty());
    CHECK(*length.finish_reason() == "length");
    ChoiceText failed({}, false);
    failed.apply({0, -1, {}, 0, FinishReason::None, "the engine failed: lost"});
    CHECK(failed.finished());
    CHECK(failed.error() == "the engine failed: lost");
}
