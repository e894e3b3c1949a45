#include "tokenizer/normalizer.h"

#include "tokenizer/nfc.h"

namespace vkllm::tokenizer {

void PrependNormalizer::apply(std::string& text) const {
    if (!text.empty()) text.insert(0, prefix_);
}

void NfcNormalizer::apply(std::string& text) const { text = to_nfc(text); }

void ReplaceNormalizer::apply(std::string& text) const {
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    if (regex_) {
        regex_->find_all(text, matches);
    } else if (!literal_.empty()) {
        for (std::size_t pos = text.find(literal_); pos != std::string::npos; pos = text.find(literal_, pos + literal_.size()))
            matches.emplace_back(pos, pos + literal_.size());
    }
    if (matches.empty()) return;
    std::string out;
    out.reserve(text.size() + matches.size() * content_.size());
    std::size_t copied = 0;
    for (auto [begin, end] : matches) {
        out.append(text, copied, begin - copied);
        out += content_;
        copied = end;
    }
    out.append(text, copied);
    text = std::move(out);
}

}  // namespace vkllm::tokenizer
