#pragma once
// Parsing of the tokenizer.json sections around the model: normalizer,
// pre_tokenizer, decoder and post_processor.
#include <memory>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/tokenizer.h"

namespace vkllm::tokenizer {

std::unique_ptr<Normalizer> parse_normalizer(const nlohmann::json& value, const json_fields::Where& where);
std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const nlohmann::json& value, const json_fields::Where& where);
// Whether a ByteLevel step appears anywhere in a pre_tokenizer or decoder section.
bool mentions_byte_level(const nlohmann::json& value, int depth = 0);
void parse_decoder(const nlohmann::json& value, const json_fields::Where& where, DecodeRules& rules);

struct SpecialWrapping {
    std::vector<int32_t> prefix, suffix;
};
// The ids that encode(text, add_special=true) puts around a single text.
SpecialWrapping parse_post_processor(const nlohmann::json& value, const json_fields::Where& where);

}  // namespace vkllm::tokenizer
