#include "runtime/stop_strings.h"

namespace vkllm::runtime {

bool ends_in_stop(const std::string& text, size_t piece_size, const std::vector<std::string>& stops) {
    for (const std::string& stop : stops) {
        if (stop.empty()) continue;
        const size_t window = piece_size + stop.size();
        const size_t from = text.size() > window ? text.size() - window : 0;
        if (text.find(stop, from) != std::string::npos) return true;
    }
    return false;
}

}  // namespace vkllm::runtime
