#include "token_list.h"

#include <sstream>
#include <stdexcept>

#include "vkllm/error.h"

namespace vkllm::cli {

std::vector<int32_t> parse_token_list(const std::string& text, const std::string& option) {
    std::vector<int32_t> ids;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        try {
            size_t used = 0;
            long v = std::stol(item, &used);
            if (used != item.size() || v < 0 || v > INT32_MAX) throw std::invalid_argument(item);
            ids.push_back(int32_t(v));
        } catch (const std::exception&) {
            throw InputError(option + ": '" + item + "' is not a token id (expected e.g. 1,2,3)");
        }
    }
    if (ids.empty()) throw InputError(option + ": no token ids given");
    return ids;
}

}  // namespace vkllm::cli
