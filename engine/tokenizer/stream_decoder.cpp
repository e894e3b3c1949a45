#include "tokenizer/stream_decoder.h"

#include "tokenizer/utf8.h"

namespace vkllm::tokenizer {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(&tokenizer), skip_special_(skip_special), spaces_to_strip_(tokenizer.decode_rules().strip_leading_spaces) {}

void StreamDecoder::reset() {
    pending_.clear();
    spaces_to_strip_ = tokenizer_->decode_rules().strip_leading_spaces;
}

std::string StreamDecoder::push(int32_t id) {
    const TokenInfo& info = tokenizer_->token(id);
    if (skip_special_ && info.special) return {};
    pending_ += info.bytes;
    return take_complete(false);
}

std::string StreamDecoder::flush() { return take_complete(true); }

std::string StreamDecoder::take_complete(bool final) {
    std::string out;
    std::size_t pos = 0;
    while (pos < pending_.size()) {
        const Utf8Step step = next_utf8(pending_, pos);
        if (step.status == Utf8Status::Truncated && !final) break;
        if (step.status == Utf8Status::Valid)
            out.append(pending_, pos, step.length);
        else
            out.append(kReplacementChar);
        pos += step.length;
    }
    pending_.erase(0, pos);
    // The decoder's leading-space strip applies to the start of the whole text.
    std::size_t stripped = 0;
    while (spaces_to_strip_ > 0 && stripped < out.size() && out[stripped] == ' ') {
        ++stripped;
        --spaces_to_strip_;
    }
    out.erase(0, stripped);
    if (!out.empty()) spaces_to_strip_ = 0;
    return out;
}

}  // namespace vkllm::tokenizer
