#include "stop_filter.h"

#include <algorithm>

namespace vkllm::serve {

StopFilter::StopFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {
    for (const std::string& s : stops_) longest_ = std::max(longest_, s.size());
}

std::string StopFilter::push(std::string_view piece) {
    if (stopped_) return {};
    const size_t before = text_.size();
    text_ += piece;
    // A stop that the new piece completes starts at most longest_ - 1 bytes before it.
    const size_t from = before >= longest_ ? before - longest_ + 1 : 0;
    size_t cut = std::string::npos;
    for (const std::string& s : stops_)
        if (size_t at = text_.find(s, from); at != std::string::npos) cut = std::min(cut, at);
    if (cut != std::string::npos) {
        stopped_ = true;
        text_.resize(cut);
        std::string out = text_.substr(std::min(released_, cut));
        released_ = std::max(released_, cut);
        return out;
    }
    // Hold back the longest tail that is the beginning of a stop string.
    size_t hold = 0;
    for (const std::string& s : stops_)
        for (size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k)
            if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
                hold = k;
                break;
            }
    const size_t safe = std::max(released_, text_.size() - hold);
    std::string out = text_.substr(released_, safe - released_);
    released_ = safe;
    return out;
}

std::string StopFilter::finish() {
    std::string out = text_.substr(std::min(released_, text_.size()));
    released_ = text_.size();
    return out;
}

}  // namespace vkllm::serve
