// Randomly damaged tokenizer.json files either load or fail with InputError:
// never another exception, a crash or a hang. Deterministic seeds.
#include <doctest/doctest.h>

#include <cstdint>

#include "tokenizer/fixture_files.h"
#include "vkllm/error.h"

namespace {

struct Xorshift {
    uint64_t state;
    uint64_t next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

nlohmann::json odd_value(Xorshift& rng) {
    switch (rng.below(10)) {
        case 0: return nullptr;
        case 1: return -1;
        case 2: return 4000000000ll;
        case 3: return "";
        case 4: return "\xE2\x96\x81 \xE2\x96\x81";
        case 5: return nlohmann::json::array();
        case 6: return nlohmann::json::object();
        case 7: return true;
        case 8: return 2.5;
        default: return nlohmann::json::array({"a", 1});
    }
}

// Replaces one node, picked by a random walk from the root, with an odd value.
void mutate(nlohmann::json& root, Xorshift& rng) {
    nlohmann::json* node = &root;
    for (int depth = 0; depth < 6; ++depth) {
        if (node->is_object() && !node->empty()) {
            auto it = node->begin();
            std::advance(it, rng.below(node->size()));
            node = &it.value();
        } else if (node->is_array() && !node->empty()) {
            node = &(*node)[rng.below(node->size())];
        } else {
            break;
        }
        if (rng.below(3) == 0) break;
    }
    *node = odd_value(rng);
}

void expect_load_or_input_error(const std::string& text) {
    try {
        const auto t = vkllm::tokenizer::parse_tokenizer_json(text, "mutated.json");
        // Whatever loaded must also encode and decode without trouble.
        const auto ids = t.encode("hello w\xC3\xB6rld <s>!", true);
        (void)t.decode(ids, false);
    } catch (const vkllm::InputError&) {
    } catch (const std::exception& e) {
        FAIL("unexpected exception: " << e.what());
    }
}

}  // namespace

TEST_CASE("mutated tokenizer.json: structural damage") {
    const nlohmann::json original = nlohmann::json::parse(
        vkllm::test::read_text_file(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json"));
    Xorshift rng{0x5EED1234ABCDull};
    for (int i = 0; i < 400; ++i) {
        nlohmann::json j = original;
        const int edits = 1 + static_cast<int>(rng.below(3));
        for (int e = 0; e < edits; ++e) mutate(j, rng);
        CAPTURE(i);
        expect_load_or_input_error(j.dump());
    }
}

TEST_CASE("mutated tokenizer.json: damaged bytes") {
    const std::string original =
        vkllm::test::read_text_file(vkllm::test::tokenizer_data_dir("tiny_sentencepiece") / "tokenizer.json");
    Xorshift rng{0xBADC0FFEEull};
    for (int i = 0; i < 200; ++i) {
        std::string text = original;
        if (rng.below(4) == 0) text.resize(rng.below(text.size()));
        for (int e = 0; e < 3 && !text.empty(); ++e) text[rng.below(text.size())] = static_cast<char>(rng.next());
        CAPTURE(i);
        expect_load_or_input_error(text);
    }
}
