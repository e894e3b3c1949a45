// NFC normalization (the Qwen tokenizers' normalizer). Expected forms from the
// Unicode Character Database.
#include <doctest/doctest.h>

#include "tokenizer/fixture_files.h"
#include "tokenizer/nfc.h"

using vkllm::tokenizer::to_nfc;

TEST_CASE("NFC: composition, ordering, Hangul, singletons, exclusions") {
    CHECK(to_nfc("plain ASCII, Latin-1 caf\xC3\xA9") == "plain ASCII, Latin-1 caf\xC3\xA9");
    CHECK(to_nfc("e\xCC\x81") == "\xC3\xA9");                                   // e + U+0301 -> U+00E9
    CHECK(to_nfc("a\xCC\xA3\xCC\x82") == "\xE1\xBA\xAD");                       // a + dot below + circumflex -> U+1EAD
    CHECK(to_nfc("a\xCC\x82\xCC\xA3") == "\xE1\xBA\xAD");                       // marks in the other order
    CHECK(to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8") == "\xEA\xB0\x81");   // Hangul L V T -> U+AC01
    CHECK(to_nfc("\xEF\xA4\x80") == "\xE8\xB1\x88");                           // U+F900 -> U+8C48
    CHECK(to_nfc("\xE2\x84\xAB") == "\xC3\x85");                               // Angstrom sign -> U+00C5
    CHECK(to_nfc("\xE0\xA5\x98") == "\xE0\xA4\x95\xE0\xA4\xBC");               // U+0958 stays decomposed
    CHECK(to_nfc("\xFF" "e\xCC\x81") == "\xFF\xC3\xA9");                        // stray byte passes through
}

TEST_CASE("NFC normalizer in the Qwen3 tokenizer") {
    const auto& qwen = vkllm::test::fixture_tokenizer("qwen3");
    CHECK(qwen.encode("cafe\xCC\x81 na\xC3\xAFve") == qwen.encode("caf\xC3\xA9 na\xC3\xAFve"));
}
