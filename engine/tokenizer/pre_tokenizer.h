#pragma once
// Pre-tokenizers cut normalized text into words; BPE never merges across words.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace vkllm::tokenizer {

// The words of one stretch of text. Most steps only cut, so a word is a view
// into the input or into a rewritten copy that `own` keeps alive.
class Pieces {
public:
    std::vector<std::string_view> words;
    std::string_view own(std::string text) { return owned_.emplace_back(std::move(text)); }

private:
    std::deque<std::string> owned_;  // a deque never moves its elements
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Refines `pieces` in place. `at_text_start`: the first piece begins the
    // whole input (matters for "prepend only at the start" schemes).
    virtual void split(Pieces& pieces, bool at_text_start) const = 0;
};

// What happens to the delimiter when a piece is split (tokenizers' names).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Splits on a regex or literal delimiter. With `invert`, the matches are the
// pieces and the text between them is the delimiter.
class SplitPreTokenizer : public PreTokenizer {
public:
    SplitPreTokenizer(Regex regex, SplitBehavior behavior, bool invert)
        : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
    SplitPreTokenizer(std::string literal, SplitBehavior behavior, bool invert)
        : literal_(std::move(literal)), behavior_(behavior), invert_(invert) {}
    void split(Pieces& pieces, bool at_text_start) const override;
    void split_one(std::string_view text, std::vector<std::string_view>& out) const;

private:
    std::optional<Regex> regex_;
    std::string literal_;
    SplitBehavior behavior_;
    bool invert_;
};

// GPT-2's byte-level step: optional leading space, then (optionally) the GPT-2
// word regex. Mapping bytes to the printable alphabet happens in the model.
class ByteLevelPreTokenizer : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex);
    void split(Pieces& pieces, bool at_text_start) const override;

private:
    bool add_prefix_space_;
    std::optional<SplitPreTokenizer> words_;
};

enum class PrependScheme { Always, First, Never };

// SentencePiece's view of spaces: ' ' becomes `replacement` (U+2581), a
// replacement is put in front per `scheme`, and with `split` each word starts
// at a replacement character.
class MetaspacePreTokenizer : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split);
    void split(Pieces& pieces, bool at_text_start) const override;

private:
    std::string replacement_;
    PrependScheme scheme_;
    std::optional<SplitPreTokenizer> words_;
};

class PreTokenizerSequence : public PreTokenizer {
public:
    explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
    void split(Pieces& pieces, bool at_text_start) const override {
        for (const auto& step : steps_) step->split(pieces, at_text_start);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

// Word regexes of well-known byte-level tokenizers.
extern const char* const kGpt2WordPattern;
extern const char* const kLlama3WordPattern;
extern const char* const kQwen2WordPattern;

}  // namespace vkllm::tokenizer
