#pragma once
// Byte-pair encoding of one pre-tokenized word into token ids. The word is cut
// into units (bytes for byte-level vocabularies, UTF-8 characters otherwise),
// then the adjacent pair with the lowest merge rank is merged until none is
// left, as the reference BPE does (ties go to the leftmost pair).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vkllm::tokenizer {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using PieceMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

struct BpeOptions {
    bool byte_level = false;     // units are bytes, pieces are raw byte strings
    bool byte_fallback = false;  // a character missing from the vocabulary becomes <0xNN> tokens
    bool ignore_merges = false;  // a word found whole in the vocabulary is taken as is
    bool fuse_unk = false;       // consecutive unknown units become one unknown token
    std::optional<int32_t> unk_id;
};

class BpeModel {
public:
    // `pieces` maps each vocabulary entry, spelled in the model's alphabet
    // (raw bytes for byte-level), to its id.
    BpeModel(PieceMap pieces, BpeOptions options);
    BpeModel(BpeModel&& other) noexcept;

    // Merges get ranks in the order they are added. Returns false if the pair
    // was already known (the first rank wins).
    bool add_merge(int32_t left, int32_t right, int32_t merged);
    std::size_t merge_count() const { return merges_.size(); }

    std::optional<int32_t> find(std::string_view piece) const;
    const BpeOptions& options() const { return options_; }
    void encode_word(std::string_view word, std::vector<int32_t>& out) const;

private:
    struct Merge {
        int32_t rank;
        int32_t merged;
    };
    static uint64_t pair_key(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    void initial_units(std::string_view word, std::vector<int32_t>& units) const;
    void merge_units(std::vector<int32_t>& units) const;

    PieceMap pieces_;
    BpeOptions options_;
    std::unordered_map<uint64_t, Merge> merges_;
    std::vector<int32_t> byte_tokens_;  // by byte value: the single-byte piece (byte-level) or <0xNN>; -1 if absent
    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace vkllm::tokenizer
