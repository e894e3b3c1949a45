#include "tokenizer/nfc.h"

#include <algorithm>
#include <vector>

#include "tokenizer/nfc_tables.h"
#include "tokenizer/utf8.h"

namespace vkllm::tokenizer {

namespace {

// Hangul syllables are composed by arithmetic, not by table (Unicode ch. 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;
// Bytes that are not UTF-8 travel as these values: no class, no mapping.
constexpr char32_t kRawByteBase = 0x110000;

unsigned combining_class(char32_t cp) {
    if (cp < 0x300) return 0;
    const auto* begin = nfc::kCombiningRanges;
    const auto* end = begin + nfc::kCombiningRangeCount;
    const auto* it = std::upper_bound(begin, end, cp, [](char32_t c, const nfc::CombiningRange& r) { return c < r.first; });
    if (it == begin) return 0;
    --it;
    return cp <= it->last ? it->combining_class : 0;
}

const nfc::Decomposition* find_decomposition(char32_t cp) {
    if (cp < 0xC0) return nullptr;
    const auto* begin = nfc::kDecompositions;
    const auto* end = begin + nfc::kDecompositionCount;
    const auto* it = std::lower_bound(begin, end, cp, [](const nfc::Decomposition& d, char32_t c) { return d.composite < c; });
    return it != end && it->composite == cp ? it : nullptr;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t index = cp - kSBase;
        out.push_back(kLBase + index / kNCount);
        out.push_back(kVBase + (index % kNCount) / kTCount);
        if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
        return;
    }
    if (const nfc::Decomposition* d = find_decomposition(cp)) {
        decompose(d->first, out);
        if (d->second != 0) decompose(d->second, out);
        return;
    }
    out.push_back(cp);
}

char32_t compose_pair(char32_t first, char32_t second) {
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
        return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
        second < kTBase + kTCount)
        return first + (second - kTBase);
    const auto* begin = nfc::kCompositions;
    const auto* end = begin + nfc::kCompositionCount;
    const auto* it = std::lower_bound(begin, end, std::pair(first, second), [](const nfc::Composition& c, std::pair<char32_t, char32_t> key) {
        return c.first != key.first ? c.first < key.first : c.second < key.second;
    });
    return it != end && it->first == first && it->second == second ? it->composite : 0;
}

void normalize_span(std::string_view text, std::string& out) {
    std::vector<char32_t> chars;
    chars.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Step step = next_utf8(text, pos);
        if (step.status != Utf8Status::Valid) {
            for (std::size_t i = 0; i < step.length; ++i)
                chars.push_back(kRawByteBase + static_cast<unsigned char>(text[pos + i]));
            pos += step.length;
            continue;
        }
        std::size_t length = 0;
        decompose(decode_utf8(text, pos, length), chars);
        pos += length;
    }

    // Canonical ordering: stable sort of each run of non-starters by class.
    for (std::size_t i = 0; i < chars.size();) {
        if (combining_class(chars[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < chars.size() && combining_class(chars[end]) != 0) ++end;
        std::stable_sort(chars.begin() + i, chars.begin() + end,
                         [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = end;
    }

    // Canonical composition: a character joins the last starter unless a
    // character in between is a starter or has a class >= its own.
    std::vector<char32_t> composed;
    composed.reserve(chars.size());
    std::ptrdiff_t starter = -1;
    bool adjacent = false;  // nothing between the starter and the next character
    unsigned last_class = 0;
    for (char32_t cp : chars) {
        const unsigned cc = cp >= kRawByteBase ? 0 : combining_class(cp);
        if (starter >= 0 && cp < kRawByteBase && (adjacent || (last_class != 0 && last_class < cc))) {
            if (const char32_t joined = compose_pair(composed[starter], cp)) {
                composed[starter] = joined;
                continue;
            }
        }
        composed.push_back(cp);
        if (cc == 0) {
            starter = cp >= kRawByteBase ? -1 : static_cast<std::ptrdiff_t>(composed.size() - 1);
            adjacent = true;
        } else {
            adjacent = false;
        }
        last_class = cc;
    }

    for (char32_t cp : composed) {
        if (cp >= kRawByteBase)
            out.push_back(static_cast<char>(cp - kRawByteBase));
        else
            append_utf8(out, cp);
    }
}

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

}  // namespace

std::string to_nfc(std::string_view text) {
    // Below U+0300 nothing decomposes, reorders or composes (lead bytes below
    // 0xCC), and an ASCII character is a starter that is never the second
    // half of a composition: text can be cut before any ASCII character. So
    // only the non-ASCII stretches around characters from U+0300 up, with the
    // ASCII character before them as a possible base, need the full algorithm.
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    while (done < text.size()) {
        std::size_t hit = done;
        while (hit < text.size() && static_cast<unsigned char>(text[hit]) < 0xCC) ++hit;
        if (hit == text.size()) break;
        std::size_t begin = hit;
        while (begin > done && !is_ascii(text[begin - 1])) --begin;
        if (begin > done) --begin;
        std::size_t end = hit;
        while (end < text.size() && !is_ascii(text[end])) ++end;
        out.append(text.substr(done, begin - done));
        normalize_span(text.substr(begin, end - begin), out);
        done = end;
    }
    out.append(text.substr(done));
    return out;
}

}  // namespace vkllm::tokenizer
