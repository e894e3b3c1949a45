#pragma once
// A text <-> token id converter: byte-level BPE (GPT-2, Llama 3, Qwen) or
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral, Gemma).
//
// Encoding: added tokens are cut out of the raw text first; each stretch in
// between is normalized, pre-tokenized into words and BPE-encoded; then the
// post-processor's BOS/EOS are added on request.
// Decoding: each token contributes bytes; the concatenation is made valid
// UTF-8 (U+FFFD for broken sequences) and a leading space may be dropped.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace vkllm::tokenizer {

struct TokenInfo {
    std::string text;   // as spelled in the vocabulary
    std::string bytes;  // what decoding it produces (may be partial UTF-8)
    bool special = false;
    bool added = false;
    bool present = true;  // false for ids the vocabulary leaves unused
};

// How token spellings turn back into text.
struct DecodeRules {
    bool byte_level = false;     // undo the GPT-2 byte alphabet
    bool byte_fallback = false;  // <0xNN> stands for one raw byte
    std::vector<std::pair<std::string, std::string>> replacements;  // e.g. U+2581 -> ' '
    int strip_leading_spaces = 0;  // spaces dropped from the start of the text
};

// Everything a loader collects; the Tokenizer checks it on construction.
struct TokenizerParts {
    std::string source;  // file name for error messages
    std::vector<TokenInfo> tokens;
    std::unique_ptr<BpeModel> model;
    std::unique_ptr<Normalizer> normalizer;
    std::unique_ptr<PreTokenizer> pre_tokenizer;
    std::vector<AddedToken> added_tokens;
    DecodeRules decode_rules;
    std::vector<int32_t> prefix_ids;  // put in front by encode(text, add_special=true)
    std::vector<int32_t> suffix_ids;  // put at the end by encode(text, add_special=true)
    std::optional<int32_t> bos_id;
    std::optional<int32_t> eos_id;
};

class Tokenizer {
public:
    explicit Tokenizer(TokenizerParts parts);
    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    std::vector<int32_t> encode(std::string_view text, bool add_special = false) const;
    // Throws InputError for an id outside the vocabulary.
    std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

    std::size_t vocab_size() const { return tokens_.size(); }
    const TokenInfo& token(int32_t id) const;  // throws InputError when out of range
    // False for ids past the vocabulary and for ids it leaves unused.
    bool has_id(int32_t id) const { return id >= 0 && std::size_t(id) < tokens_.size() && tokens_[id].present; }
    bool is_special(int32_t id) const { return token(id).special; }
    std::optional<int32_t> find_token(std::string_view text) const;
    std::optional<int32_t> bos_id() const { return bos_id_; }
    std::optional<int32_t> eos_id() const { return eos_id_; }
    void set_bos_id(std::optional<int32_t> id);
    void set_eos_id(std::optional<int32_t> id);
    // BOS/EOS policy of encode(add_special=true).
    void set_special_wrapping(std::vector<int32_t> prefix, std::vector<int32_t> suffix);
    const std::vector<int32_t>& prefix_ids() const { return prefix_ids_; }
    const std::vector<int32_t>& suffix_ids() const { return suffix_ids_; }
    const DecodeRules& decode_rules() const { return decode_rules_; }
    const std::string& source() const { return source_; }

private:
    void check_id(int32_t id, const char* what) const;
    void encode_plain(std::string_view text, bool at_text_start, std::vector<int32_t>& out) const;

    std::string source_;
    std::vector<TokenInfo> tokens_;
    std::unique_ptr<BpeModel> model_;
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    AddedTokenMatcher added_;
    DecodeRules decode_rules_;
    std::vector<int32_t> prefix_ids_, suffix_ids_;
    std::optional<int32_t> bos_id_, eos_id_;
};

// Fills TokenInfo::bytes of every token from its spelling and the rules.
void compute_token_bytes(std::vector<TokenInfo>& tokens, const DecodeRules& rules);

// Reads a Hugging Face tokenizer.json (BPE models only).
Tokenizer load_tokenizer_json(const std::filesystem::path& path);
Tokenizer parse_tokenizer_json(std::string_view json_text, const std::string& source);

// Applies tokenizer_config.json (add_bos_token, add_eos_token, bos_token,
// eos_token) on top of what tokenizer.json says.
void apply_tokenizer_config(Tokenizer& tokenizer, const std::filesystem::path& config_path);

// `path` is a tokenizer.json, or a folder holding one. A tokenizer_config.json
// next to it is applied when present.
Tokenizer load_tokenizer(const std::filesystem::path& path);

// The tokenizer part of GGUF metadata, as plain vectors, so that a GGUF reader
// can build a tokenizer without this library knowing the file format.
struct GgufTokenizerMetadata {
    std::string source;       // file name for error messages
    std::string model;        // tokenizer.ggml.model: "gpt2" (byte-level) or "llama" (SentencePiece)
    std::string pre;          // tokenizer.ggml.pre: "gpt2", "llama-bpe", "qwen2", ... (byte-level only)
    std::vector<std::string> tokens;
    std::vector<float> scores;          // llama: merge priority of each token (higher merges first)
    std::vector<int32_t> token_types;   // 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
    std::vector<std::string> merges;    // gpt2: "left right"
    std::optional<int32_t> bos_id, eos_id, unk_id;
    std::optional<bool> add_bos, add_eos, add_space_prefix;
};
Tokenizer from_gguf_metadata(const GgufTokenizerMetadata& metadata);

}  // namespace vkllm::tokenizer
