#pragma once
// Turns generated ids into text one id at a time. A character whose UTF-8
// bytes are spread over several tokens (byte-level BPE, <0xNN> fallback) is
// held back until it is complete, so every piece returned is valid UTF-8 and
// the pieces together equal Tokenizer::decode of all ids.
#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.h"

namespace vkllm::tokenizer {

class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = true);

    // Text completed by this id (often empty while a character is pending).
    // Throws InputError for an id outside the vocabulary.
    std::string push(int32_t id);
    // End of stream: bytes still pending can never complete and become U+FFFD.
    std::string flush();
    void reset();
    bool has_pending() const { return !pending_.empty(); }

private:
    std::string take_complete(bool final);

    const Tokenizer* tokenizer_;
    bool skip_special_;
    std::string pending_;
    int spaces_to_strip_;
};

}  // namespace vkllm::tokenizer
