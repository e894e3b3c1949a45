// Damaged configs must end in an InputError, never a crash or another exception.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "config_test_support.h"
#include "model/random_weights.h"

using namespace vkllm;

namespace {

std::string mutate(std::string text, Xoshiro256& rng) {
    static const char* pieces[] = {"=", "[", "]", "\"", "\n", "0", "-1", "1e999", "nan", "99999999999",
                                   "[model]", "[[x]]", "{", "}", ".", "'", "true", "\\u0000", "#"};
    const int edits = 1 + int(rng.next() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t at = rng.next() % text.size();
        switch (rng.next() % 4) {
            case 0: text[at] = char(rng.next() % 128); break;
            case 1: text.erase(at, 1 + rng.next() % 8); break;
            case 2: text.insert(at, pieces[rng.next() % std::size(pieces)]); break;
            case 3: {  // duplicate a line somewhere else
                size_t start = text.rfind('\n', at);
                start = start == std::string::npos ? 0 : start + 1;
                size_t end = text.find('\n', at);
                const std::string line = text.substr(start, end == std::string::npos ? end : end - start + 1);
                text.insert(rng.next() % text.size(), line);
                break;
            }
        }
    }
    return text;
}

}  // namespace

TEST_CASE("randomly damaged configs give InputError or parse, nothing else") {
    std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/configs/models/llama-3.2-1b.toml");
    const std::string original((std::istreambuf_iterator<char>(in)), {});
    REQUIRE(!original.empty());
    Xoshiro256 rng(2024);
    int rejected = 0, accepted = 0;
    for (int i = 0; i < 3000; ++i) {
        const std::string text = mutate(original, rng);
        try {
            ModelConfig c = parse_config_toml_string(text, "mutated.toml");
            // What parses must survive a round trip through the writer.
            CHECK(parse_config_toml_string(config_to_toml(c), "mutated.toml") == c);
            ++accepted;
        } catch (const InputError& e) {
            CHECK(std::string(e.what()).rfind("mutated.toml", 0) == 0);
            ++rejected;
        }
    }
    CHECK(rejected > 100);
    CHECK(accepted > 100);
}
