#include "tokenizer/tokenizer.h"

#include <cstdio>

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"
#include "vkllm/error.h"

namespace vkllm::tokenizer {

namespace {

std::optional<unsigned char> parse_byte_token(std::string_view text) {
    // <0xNN> with two upper- or lower-case hex digits.
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
    unsigned value = 0;
    for (char c : text.substr(3, 2)) {
        value <<= 4;
        if (c >= '0' && c <= '9')
            value |= static_cast<unsigned>(c - '0');
        else if (c >= 'A' && c <= 'F')
            value |= static_cast<unsigned>(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            value |= static_cast<unsigned>(c - 'a' + 10);
        else
            return std::nullopt;
    }
    return static_cast<unsigned char>(value);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

}  // namespace

void compute_token_bytes(std::vector<TokenInfo>& tokens, const DecodeRules& rules) {
    for (TokenInfo& token : tokens) {
        if (!token.present) continue;
        if (rules.byte_level) {
            // Added tokens are often plain text outside the alphabet; those stay as they are.
            auto bytes = byte_level_to_bytes(token.text);
            token.bytes = bytes ? std::move(*bytes) : token.text;
            continue;
        }
        if (rules.byte_fallback && !token.added) {
            if (auto byte = parse_byte_token(token.text)) {
                token.bytes.assign(1, static_cast<char>(*byte));
                continue;
            }
        }
        std::string bytes = token.text;
        for (const auto& [from, to] : rules.replacements) bytes = replace_all(std::move(bytes), from, to);
        token.bytes = std::move(bytes);
    }
}

Tokenizer::Tokenizer(TokenizerParts parts)
    : source_(std::move(parts.source)),
      tokens_(std::move(parts.tokens)),
      model_(std::move(parts.model)),
      normalizer_(std::move(parts.normalizer)),
      pre_tokenizer_(std::move(parts.pre_tokenizer)),
      decode_rules_(std::move(parts.decode_rules)) {
    if (!model_) throw InputError(source_ + ": tokenizer has no model");
    if (tokens_.empty()) throw InputError(source_ + ": tokenizer vocabulary is empty");
    for (const AddedToken& token : parts.added_tokens) {
        check_id(token.id, "added token");
        added_.add(token);
    }
    set_special_wrapping(std::move(parts.prefix_ids), std::move(parts.suffix_ids));
    set_bos_id(parts.bos_id);
    set_eos_id(parts.eos_id);
}

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::check_id(int32_t id, const char* what) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size() || !tokens_[id].present)
        throw InputError(source_ + ": " + what + " id " + std::to_string(id) + " is not in the vocabulary (size " +
                         std::to_string(tokens_.size()) + ")");
}

const TokenInfo& Tokenizer::token(int32_t id) const {
    check_id(id, "token");
    return tokens_[id];
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
    for (std::size_t id = 0; id < tokens_.size(); ++id)
        if (tokens_[id].present && tokens_[id].text == text) return static_cast<int32_t>(id);
    return std::nullopt;
}

void Tokenizer::set_bos_id(std::optional<int32_t> id) {
    if (id) check_id(*id, "BOS");
    bos_id_ = id;
}

void Tokenizer::set_eos_id(std::optional<int32_t> id) {
    if (id) check_id(*id, "EOS");
    eos_id_ = id;
}

void Tokenizer::set_special_wrapping(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
    for (int32_t id : prefix) check_id(id, "post-processor");
    for (int32_t id : suffix) check_id(id, "post-processor");
    prefix_ids_ = std::move(prefix);
    suffix_ids_ = std::move(suffix);
}

void Tokenizer::encode_plain(std::string_view text, bool at_text_start, std::vector<int32_t>& out) const {
    Pieces pieces;
    if (normalizer_) {
        std::string normalized(text);
        normalizer_->apply(normalized);
        text = pieces.own(std::move(normalized));
    }
    if (text.empty()) return;
    pieces.words.push_back(text);
    if (pre_tokenizer_) pre_tokenizer_->split(pieces, at_text_start);
    for (std::string_view word : pieces.words) model_->encode_word(word, out);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special) const {
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    if (add_special) ids.insert(ids.end(), prefix_ids_.begin(), prefix_ids_.end());
    std::vector<Segment> segments;
    added_.split(text, segments);
    for (const Segment& segment : segments) {
        if (segment.added_id >= 0)
            ids.push_back(segment.added_id);
        else
            encode_plain(segment.text, segment.at_text_start, ids);
    }
    if (add_special) ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
    return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
    std::string bytes;
    for (int32_t id : ids) {
        const TokenInfo& info = token(id);
        if (skip_special && info.special) continue;
        bytes += info.bytes;
    }
    std::string text = to_valid_utf8(bytes);
    std::size_t strip = 0;
    while (strip < text.size() && static_cast<int>(strip) < decode_rules_.strip_leading_spaces && text[strip] == ' ')
        ++strip;
    text.erase(0, strip);
    return text;
}

}  // namespace vkllm::tokenizer
