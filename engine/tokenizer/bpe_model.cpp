#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "tokenizer/utf8.h"

namespace vkllm::tokenizer {

namespace {
// Words longer than this are encoded without being remembered, so that one
// huge input cannot fill the cache.
constexpr std::size_t kMaxCachedWordBytes = 256;
constexpr std::size_t kMaxCacheEntries = 1 << 18;
}  // namespace

BpeModel::BpeModel(PieceMap pieces, BpeOptions options)
    : pieces_(std::move(pieces)), options_(options), byte_tokens_(256, -1) {
    for (int b = 0; b < 256; ++b) {
        if (options_.byte_level) {
            const char c = static_cast<char>(b);
            if (auto id = find(std::string_view(&c, 1))) byte_tokens_[b] = *id;
        } else if (options_.byte_fallback) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            if (auto id = find(name)) byte_tokens_[b] = *id;
        }
    }
}

BpeModel::BpeModel(BpeModel&& other) noexcept
    : pieces_(std::move(other.pieces_)),
      options_(other.options_),
      merges_(std::move(other.merges_)),
      byte_tokens_(std::move(other.byte_tokens_)),
      cache_(std::move(other.cache_)) {}

bool BpeModel::add_merge(int32_t left, int32_t right, int32_t merged) {
    const auto rank = static_cast<int32_t>(merges_.size());
    return merges_.try_emplace(pair_key(left, right), Merge{rank, merged}).second;
}

std::optional<int32_t> BpeModel::find(std::string_view piece) const {
    auto it = pieces_.find(piece);
    if (it == pieces_.end()) return std::nullopt;
    return it->second;
}

void BpeModel::initial_units(std::string_view word, std::vector<int32_t>& units) const {
    bool previous_unknown = false;
    auto push_unknown = [&]() {
        if (!options_.unk_id) return;  // nothing to stand for it: dropped, as the reference does
        if (!(options_.fuse_unk && previous_unknown)) units.push_back(*options_.unk_id);
        previous_unknown = true;
    };
    if (options_.byte_level) {
        for (unsigned char b : word) {
            if (byte_tokens_[b] >= 0) {
                units.push_back(byte_tokens_[b]);
                previous_unknown = false;
            } else {
                push_unknown();
            }
        }
        return;
    }
    std::size_t pos = 0;
    while (pos < word.size()) {
        Utf8Step step = next_utf8(word, pos);
        const std::string_view unit = word.substr(pos, step.length);
        pos += step.length;
        if (auto id = find(unit)) {
            units.push_back(*id);
            previous_unknown = false;
            continue;
        }
        bool all_bytes = options_.byte_fallback;
        for (unsigned char b : unit) all_bytes = all_bytes && byte_tokens_[b] >= 0;
        if (all_bytes) {
            for (unsigned char b : unit) units.push_back(byte_tokens_[b]);
            previous_unknown = false;
        } else {
            push_unknown();
        }
    }
}

namespace {
struct Candidate {
    int32_t rank;
    int left;
    int32_t left_id, right_id;
    // Lowest rank first, then leftmost: the order the reference BPE merges in.
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
};

// Reused between words so that encoding does not allocate per word.
struct MergeScratch {
    std::vector<int> prev, next;
    std::vector<Candidate> heap;
};
}  // namespace

void BpeModel::merge_units(std::vector<int32_t>& units) const {
    const int n = static_cast<int>(units.size());
    if (n < 2) return;
    thread_local MergeScratch scratch;
    std::vector<int>& prev = scratch.prev;
    std::vector<int>& next = scratch.next;
    std::vector<Candidate>& heap = scratch.heap;
    prev.resize(n);
    next.resize(n);
    heap.clear();
    for (int i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    const auto later = std::greater<Candidate>();
    auto offer = [&](int left) {
        if (left < 0 || next[left] < 0) return;
        auto it = merges_.find(pair_key(units[left], units[next[left]]));
        if (it == merges_.end()) return;
        heap.push_back({it->second.rank, left, units[left], units[next[left]]});
        std::push_heap(heap.begin(), heap.end(), later);
    };
    for (int i = 0; i + 1 < n; ++i) offer(i);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const Candidate c = heap.back();
        heap.pop_back();
        const int right = next[c.left];
        // Entries go stale when a neighbour changed; the ids no longer match then.
        // A merged-away unit is unlinked, so it is never some live unit's `next`.
        if (right < 0 || units[c.left] != c.left_id || units[right] != c.right_id || prev[right] != c.left) continue;
        units[c.left] = merges_.at(pair_key(c.left_id, c.right_id)).merged;
        next[c.left] = next[right];
        if (next[right] >= 0) prev[next[right]] = c.left;
        prev[right] = -2;  // marks `right` as merged away
        offer(prev[c.left]);
        offer(c.left);
    }
    int out = 0;
    for (int i = 0; i >= 0; i = next[i]) units[out++] = units[i];
    units.resize(out);
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& out) const {
    if (word.empty()) return;
    if (options_.byte_level && word.size() == 1 && byte_tokens_[static_cast<unsigned char>(word[0])] >= 0) {
        out.push_back(byte_tokens_[static_cast<unsigned char>(word[0])]);
        return;
    }
    if (options_.ignore_merges) {
        if (auto id = find(word)) {
            out.push_back(*id);
            return;
        }
    }
    const bool cacheable = word.size() <= kMaxCachedWordBytes;
    if (cacheable) {
        std::lock_guard lock(cache_mutex_);
        auto it = cache_.find(word);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> units;
    units.reserve(word.size());
    initial_units(word, units);
    merge_units(units);
    out.insert(out.end(), units.begin(), units.end());
    if (cacheable) {
        std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= kMaxCacheEntries) cache_.clear();
        cache_.emplace(std::string(word), std::move(units));
    }
}

}  // namespace vkllm::tokenizer
