#pragma once
// Stop strings in a stream of text pieces: text is handed out only once no
// stop string can still begin in it, and a stop string and what follows it
// are never handed out (OpenAI returns the text before the stop).
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::serve {

class StopFilter {
public:
    explicit StopFilter(std::vector<std::string> stops);

    // Appends a piece; returns the text that is now safe to hand out.
    std::string push(std::string_view piece);
    // The end of the stream: whatever was held back (nothing past a stop).
    std::string finish();
    bool stopped() const { return stopped_; }
    // Bytes handed out so far.
    size_t released() const { return released_; }

private:
    std::vector<std::string> stops_;
    size_t longest_ = 0;
    std::string text_;   // everything pushed
    size_t released_ = 0;
    bool stopped_ = false;
};

}  // namespace vkllm::serve
