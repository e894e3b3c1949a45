#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include <mutex>

#include "tokenizer/utf8.h"
#include "vkllm/error.h"

namespace vkllm::tokenizer {

struct Regex::Impl {
    pcre2_code* code = nullptr;
    bool jit = false;
    // Match data is scratch space; one per regex, guarded, keeps find_all const.
    pcre2_match_data* match_data = nullptr;
    std::mutex mutex;

    ~Impl() {
        if (match_data) pcre2_match_data_free(match_data);
        if (code) pcre2_code_free(code);
    }
};

Regex::Regex(const std::string& pattern, const std::string& where) : impl_(std::make_unique<Impl>()) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error_code, &error_offset,
                                nullptr);
    if (!impl_->code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error_code, message, sizeof message);
        throw InputError(where + ": cannot compile regex at offset " + std::to_string(error_offset) + ": " +
                         reinterpret_cast<const char*>(message));
    }
    impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
    impl_->match_data = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

void Regex::find_all(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const {
    std::lock_guard lock(impl_->mutex);
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t start = 0;
    while (start < text.size()) {
        const int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, text.size(), start, 0, impl_->match_data,
                                                    nullptr)
                                  : pcre2_match(impl_->code, subject, text.size(), start, 0, impl_->match_data,
                                                nullptr);
        if (rc < 0) break;  // no match (or a matching limit): the rest is one gap
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(impl_->match_data);
        const std::size_t begin = ovector[0], end = ovector[1];
        if (end > begin) {
            matches.emplace_back(begin, end);
            start = end;
        } else if (begin >= text.size()) {
            break;
        } else {
            // Empty match: step over one character so the search advances.
            start = begin + std::max<std::size_t>(1, next_utf8(text, begin).length);
        }
    }
}

}  // namespace vkllm::tokenizer
