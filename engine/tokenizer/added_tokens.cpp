#include "tokenizer/added_tokens.h"

#include <algorithm>

namespace vkllm::tokenizer {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

void AddedTokenMatcher::add(const AddedToken& token) {
    if (token.content.empty()) return;
    auto& bucket = by_first_byte_[static_cast<unsigned char>(token.content[0])];
    for (AddedToken& existing : bucket) {
        if (existing.content == token.content) {
            existing = token;
            return;
        }
    }
    bucket.push_back(token);
    std::stable_sort(bucket.begin(), bucket.end(),
                     [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
    ++count_;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& out) const {
    std::size_t plain_begin = 0;
    auto emit_plain = [&](std::size_t end) {
        if (end > plain_begin) out.push_back({text.substr(plain_begin, end - plain_begin), -1, plain_begin == 0});
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        const AddedToken* found = nullptr;
        if (count_ != 0) {
            for (const AddedToken& candidate : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
                if (text.compare(pos, candidate.content.size(), candidate.content) == 0) {
                    found = &candidate;
                    break;
                }
            }
        }
        if (!found) {
            ++pos;
            continue;
        }
        std::size_t token_begin = pos, token_end = pos + found->content.size();
        if (found->lstrip)
            while (token_begin > plain_begin && is_space(text[token_begin - 1])) --token_begin;
        if (found->rstrip)
            while (token_end < text.size() && is_space(text[token_end])) ++token_end;
        emit_plain(token_begin);
        out.push_back({text.substr(token_begin, token_end - token_begin), found->id, token_begin == 0});
        pos = plain_begin = token_end;
    }
    emit_plain(text.size());
}

}  // namespace vkllm::tokenizer
