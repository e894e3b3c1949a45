#pragma once
// A compiled PCRE2 pattern in UTF mode with Unicode properties (\p{L}, \s
// matching Unicode spaces), JIT-compiled where the platform allows.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkllm::tokenizer {

class Regex {
public:
    // `where` names the file and field for the error message of a bad pattern.
    Regex(const std::string& pattern, const std::string& where);
    ~Regex();
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;

    // Non-empty, non-overlapping matches as [begin, end) byte offsets.
    // Invalid UTF-8 in `text` never matches and is left to the gaps.
    void find_all(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vkllm::tokenizer
