#include "tokenizer/pre_tokenizer.h"

namespace vkllm::tokenizer {

const char* const kGpt2WordPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3WordPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2WordPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {
using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

void find_literal(std::string_view text, const std::string& literal, Spans& matches) {
    if (literal.empty()) return;
    for (std::size_t pos = text.find(literal); pos != std::string::npos; pos = text.find(literal, pos + literal.size()))
        matches.emplace_back(pos, pos + literal.size());
}
}  // namespace

void SplitPreTokenizer::split_one(std::string_view text, std::vector<std::string_view>& out) const {
    Spans matches;
    if (regex_)
        regex_->find_all(text, matches);
    else
        find_literal(text, literal_, matches);

    // Alternate gaps and delimiters over the whole text.
    struct Span {
        std::size_t begin, end;
        bool delimiter;
    };
    std::vector<Span> spans;
    spans.reserve(matches.size() * 2 + 1);
    std::size_t pos = 0;
    for (auto [begin, end] : matches) {
        if (begin > pos) spans.push_back({pos, begin, invert_});
        spans.push_back({begin, end, !invert_});
        pos = end;
    }
    if (pos < text.size()) spans.push_back({pos, text.size(), invert_});

    auto part = [&](std::size_t i) { return text.substr(spans[i].begin, spans[i].end - spans[i].begin); };
    // Merged spans are always neighbours in `text`, so merging widens a view.
    auto widen_last = [&](std::size_t i) { out.back() = std::string_view(out.back().data(), out.back().size() + part(i).size()); };
    for (std::size_t i = 0; i < spans.size(); ++i) {
        if (!spans[i].delimiter) {
            out.emplace_back(part(i));
            continue;
        }
        const bool after_gap = i > 0 && !spans[i - 1].delimiter;
        switch (behavior_) {
            case SplitBehavior::Removed:
                break;
            case SplitBehavior::Isolated:
                out.emplace_back(part(i));
                break;
            case SplitBehavior::MergedWithPrevious:
                if (after_gap)
                    widen_last(i);
                else
                    out.emplace_back(part(i));
                break;
            case SplitBehavior::MergedWithNext:
                out.emplace_back(part(i));
                if (i + 1 < spans.size() && !spans[i + 1].delimiter) widen_last(++i);
                break;
            case SplitBehavior::Contiguous:
                if (i > 0 && spans[i - 1].delimiter)
                    widen_last(i);
                else
                    out.emplace_back(part(i));
                break;
        }
    }
}

void SplitPreTokenizer::split(Pieces& pieces, bool) const {
    std::vector<std::string_view> out;
    out.reserve(pieces.words.size() * 4);
    for (std::string_view word : pieces.words) split_one(word, out);
    pieces.words = std::move(out);
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
    : add_prefix_space_(add_prefix_space) {
    if (use_regex)
        words_.emplace(Regex(kGpt2WordPattern, "ByteLevel pre-tokenizer"), SplitBehavior::Isolated, false);
}

void ByteLevelPreTokenizer::split(Pieces& pieces, bool at_text_start) const {
    if (add_prefix_space_)
        for (std::string_view& word : pieces.words)
            if (!word.empty() && word.front() != ' ') {
                std::string prefixed(1, ' ');
                prefixed.append(word);
                word = pieces.own(std::move(prefixed));
            }
    if (words_) words_->split(pieces, at_text_start);
}

MetaspacePreTokenizer::MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
    : replacement_(std::move(replacement)), scheme_(scheme) {
    if (split) words_.emplace(replacement_, SplitBehavior::MergedWithNext, false);
}

void MetaspacePreTokenizer::split(Pieces& pieces, bool at_text_start) const {
    for (std::size_t i = 0; i < pieces.words.size(); ++i) {
        std::string replaced;
        replaced.reserve(pieces.words[i].size() + replacement_.size());
        for (char c : pieces.words[i]) {
            if (c == ' ')
                replaced += replacement_;
            else
                replaced.push_back(c);
        }
        const bool prepend = scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && i == 0 && at_text_start);
        if (prepend && !replaced.empty() && replaced.compare(0, replacement_.size(), replacement_) != 0)
            replaced.insert(0, replacement_);
        pieces.words[i] = pieces.own(std::move(replaced));
    }
    if (words_) words_->split(pieces, at_text_start);
}

}  // namespace vkllm::tokenizer
