#pragma once
// Added tokens (specials like <|endoftext|>, chat markers) are found in the raw
// text before anything else runs; the longest one starting at a position wins
// and is never split by BPE.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::tokenizer {

struct AddedToken {
    int32_t id = -1;
    std::string content;
    bool special = false;
    bool lstrip = false;  // also swallows the whitespace on its left
    bool rstrip = false;  // also swallows the whitespace on its right
};

// A stretch of input: plain text for the model, or one added token.
struct Segment {
    std::string_view text;
    int32_t added_id = -1;
    bool at_text_start = false;  // the segment begins the whole input
};

class AddedTokenMatcher {
public:
    void add(const AddedToken& token);
    bool empty() const { return count_ == 0; }
    void split(std::string_view text, std::vector<Segment>& out) const;

private:
    // Candidates by first byte, longest first.
    std::array<std::vector<AddedToken>, 256> by_first_byte_;
    std::size_t count_ = 0;
};

}  // namespace vkllm::tokenizer
