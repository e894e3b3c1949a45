#include "tokenizer/special_ids.h"

#include <string_view>

namespace vkllm::tokenizer {

std::optional<int32_t> guess_eos_id(const std::vector<TokenInfo>& tokens) {
    for (std::string_view name : {"</s>", "<eos>", "<|endoftext|>", "<|end_of_text|>", "<|im_end|>"})
        for (std::size_t id = 0; id < tokens.size(); ++id)
            if (tokens[id].present && tokens[id].text == name) return static_cast<int32_t>(id);
    return std::nullopt;
}

}  // namespace vkllm::tokenizer
