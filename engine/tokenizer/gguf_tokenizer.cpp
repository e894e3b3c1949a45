// Builds a tokenizer from the tokenizer.ggml.* metadata of a GGUF file.
#include <algorithm>
#include <numeric>

#include "tokenizer/byte_level.h"
#include "tokenizer/special_ids.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

namespace vkllm::tokenizer {

namespace {

enum GgufTokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };
constexpr std::size_t kMaxVocab = 1 << 24;
const std::string kMetaspace = "\xE2\x96\x81";  // U+2581

[[noreturn]] void fail(const GgufTokenizerMetadata& m, const std::string& key, const std::string& message) {
    throw InputError(m.source + ": tokenizer.ggml." + key + ": " + message);
}

int32_t type_of(const GgufTokenizerMetadata& m, std::size_t id) {
    return m.token_types.empty() ? kNormal : m.token_types[id];
}

void check_sizes(const GgufTokenizerMetadata& m) {
    if (m.tokens.empty()) fail(m, "tokens", "the vocabulary is empty");
    if (m.tokens.size() > kMaxVocab) fail(m, "tokens", std::to_string(m.tokens.size()) + " tokens is too many");
    if (!m.scores.empty() && m.scores.size() != m.tokens.size())
        fail(m, "scores", std::to_string(m.scores.size()) + " scores for " + std::to_string(m.tokens.size()) + " tokens");
    if (!m.token_types.empty() && m.token_types.size() != m.tokens.size())
        fail(m, "token_type", std::to_string(m.token_types.size()) + " types for " + std::to_string(m.tokens.size()) + " tokens");
    for (std::size_t id = 0; id < m.token_types.size(); ++id)
        if (m.token_types[id] < kNormal || m.token_types[id] > kByte)
            fail(m, "token_type", "token " + std::to_string(id) + " has unknown type " + std::to_string(m.token_types[id]));
    auto check_id = [&](const std::optional<int32_t>& id, const char* key) {
        if (id && (*id < 0 || static_cast<std::size_t>(*id) >= m.tokens.size()))
            fail(m, key, "id " + std::to_string(*id) + " is outside the vocabulary (size " + std::to_string(m.tokens.size()) + ")");
    };
    check_id(m.bos_id, "bos_token_id");
    check_id(m.eos_id, "eos_token_id");
    check_id(m.unk_id, "unknown_token_id");
}

// SentencePiece vocabularies carry scores instead of merges: any two tokens
// whose concatenation is a token may merge, the better-scored result first.
void add_merges_from_scores(const GgufTokenizerMetadata& m, BpeModel& bpe) {
    std::vector<int32_t> order(m.tokens.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return m.scores[a] > m.scores[b]; });
    for (int32_t id : order) {
        const int32_t type = type_of(m, id);
        if (type != kNormal && type != kUserDefined) continue;
        const std::string& text = m.tokens[id];
        for (std::size_t cut = 1; cut < text.size(); ++cut) {
            auto left = bpe.find(std::string_view(text).substr(0, cut));
            auto right = bpe.find(std::string_view(text).substr(cut));
            if (left && right) bpe.add_merge(*left, *right, id);
        }
    }
}

void add_merges_from_list(const GgufTokenizerMetadata& m, BpeModel& bpe) {
    for (std::size_t i = 0; i < m.merges.size(); ++i) {
        const std::string& line = m.merges[i];
        const std::size_t space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
            fail(m, "merges", "entry " + std::to_string(i) + " '" + line + "' is not two tokens separated by one space");
        const auto left_text = byte_level_to_bytes(line.substr(0, space));
        const auto right_text = byte_level_to_bytes(line.substr(space + 1));
        if (!left_text || !right_text) fail(m, "merges", "entry " + std::to_string(i) + " is not byte-level text");
        auto left = bpe.find(*left_text), right = bpe.find(*right_text), merged = bpe.find(*left_text + *right_text);
        if (!left || !right || !merged) fail(m, "merges", "entry " + std::to_string(i) + " uses a token that is not in the vocabulary");
        bpe.add_merge(*left, *right, *merged);
    }
}

std::unique_ptr<PreTokenizer> byte_level_words(const GgufTokenizerMetadata& m) {
    const std::string& pre = m.pre;
    if (pre.empty() || pre == "default" || pre == "gpt2" || pre == "gpt-2")
        return std::make_unique<ByteLevelPreTokenizer>(false, true);
    const char* pattern = nullptr;
    if (pre == "llama3" || pre == "llama-bpe" || pre == "llama-v3" || pre == "smaug-bpe")
        pattern = kLlama3WordPattern;
    else if (pre == "qwen2" || pre == "qwen3")
        pattern = kQwen2WordPattern;
    if (!pattern) fail(m, "pre", "pre-tokenizer '" + pre + "' is not supported");
    return std::make_unique<SplitPreTokenizer>(Regex(pattern, m.source + ": tokenizer.ggml.pre"), SplitBehavior::Isolated, false);
}

}  // namespace

Tokenizer from_gguf_metadata(const GgufTokenizerMetadata& m) {
    check_sizes(m);
    const bool byte_level = m.model == "gpt2";
    if (!byte_level && m.model != "llama") fail(m, "model", "tokenizer model '" + m.model + "' is not supported (gpt2 or llama)");
    if (!byte_level && m.scores.empty()) fail(m, "scores", "a llama tokenizer needs scores");

    TokenizerParts parts;
    parts.source = m.source;
    PieceMap pieces;
    pieces.reserve(m.tokens.size());
    parts.tokens.resize(m.tokens.size());
    std::optional<int32_t> unk_id = m.unk_id;
    for (std::size_t id = 0; id < m.tokens.size(); ++id) {
        const int32_t type = type_of(m, id);
        const auto id32 = static_cast<int32_t>(id);
        TokenInfo& info = parts.tokens[id];
        info.text = m.tokens[id];
        if (type == kControl || type == kUserDefined) {
            info.added = true;
            info.special = type == kControl;
            parts.added_tokens.push_back({id32, info.text, info.special, false, false});
        }
        if (type == kUnknown && !unk_id) unk_id = id32;
        if (type == kUnused || type == kControl) continue;
        std::string piece = byte_level ? byte_level_to_bytes(info.text).value_or(info.text) : info.text;
        pieces.emplace(std::move(piece), id32);
    }

    BpeOptions options;
    options.byte_level = byte_level;
    options.byte_fallback = !byte_level;
    options.unk_id = unk_id;
    parts.model = std::make_unique<BpeModel>(std::move(pieces), options);
    if (byte_level)
        add_merges_from_list(m, *parts.model);
    else
        add_merges_from_scores(m, *parts.model);

    if (byte_level) {
        parts.pre_tokenizer = byte_level_words(m);
        parts.decode_rules.byte_level = true;
    } else {
        std::vector<std::unique_ptr<Normalizer>> steps;
        const bool space_prefix = m.add_space_prefix.value_or(true);
        if (space_prefix) steps.push_back(std::make_unique<PrependNormalizer>(kMetaspace));
        steps.push_back(std::make_unique<ReplaceNormalizer>(std::string(" "), kMetaspace));
        parts.normalizer = std::make_unique<NormalizerSequence>(std::move(steps));
        parts.decode_rules.byte_fallback = true;
        parts.decode_rules.replacements.emplace_back(kMetaspace, " ");
        parts.decode_rules.strip_leading_spaces = space_prefix ? 1 : 0;
    }
    compute_token_bytes(parts.tokens, parts.decode_rules);

    parts.bos_id = m.bos_id;
    parts.eos_id = m.eos_id ? m.eos_id : guess_eos_id(parts.tokens);
    if (m.add_bos.value_or(!byte_level)) {
        if (!m.bos_id) fail(m, "add_bos_token", "is set but there is no bos_token_id");
        parts.prefix_ids.push_back(*m.bos_id);
    }
    if (m.add_eos.value_or(false)) {
        if (!parts.eos_id) fail(m, "add_eos_token", "is set but there is no eos_token_id");
        parts.suffix_ids.push_back(*parts.eos_id);
    }
    return Tokenizer(std::move(parts));
}

}  // namespace vkllm::tokenizer
