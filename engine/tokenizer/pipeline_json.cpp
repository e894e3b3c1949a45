#include "tokenizer/pipeline_json.h"

namespace vkllm::tokenizer {

using json_fields::Where;
using nlohmann::json;

namespace {

// Sequences may nest; a hostile file must not make parsing recurse unboundedly.
constexpr int kMaxNesting = 32;

class NestingGuard {
public:
    explicit NestingGuard(const Where& where) {
        if (++depth_ > kMaxNesting) {
            --depth_;
            where.fail("nested more than " + std::to_string(kMaxNesting) + " levels deep");
        }
    }
    ~NestingGuard() { --depth_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

private:
    static thread_local int depth_;
};
thread_local int NestingGuard::depth_ = 0;

// A {"String": "..."} or {"Regex": "..."} pattern.
struct Pattern {
    bool is_regex = false;
    std::string text;
};

Pattern parse_pattern(const json& object, const Where& where) {
    const Where at = where.at("pattern");
    const json& pattern = json_fields::require_object(json_fields::require(object, "pattern", where), at);
    if (json_fields::has(pattern, "String")) return {false, json_fields::require_string(pattern.at("String"), at.at("String"))};
    if (json_fields::has(pattern, "Regex")) return {true, json_fields::require_string(pattern.at("Regex"), at.at("Regex"))};
    at.fail("expected a String or Regex pattern");
}

std::string type_of(const json& value, const Where& where) {
    return json_fields::require_string(json_fields::require(value, "type", where), where.at("type"));
}

SplitBehavior parse_behavior(const std::string& name, const Where& where) {
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    where.fail("unknown split behavior '" + name + "'");
}

PrependScheme parse_prepend_scheme(const json& value, const Where& where) {
    if (json_fields::has(value, "prepend_scheme")) {
        const std::string scheme = json_fields::require_string(value.at("prepend_scheme"), where.at("prepend_scheme"));
        if (scheme == "always") return PrependScheme::Always;
        if (scheme == "first") return PrependScheme::First;
        if (scheme == "never") return PrependScheme::Never;
        where.at("prepend_scheme").fail("unknown value '" + scheme + "'");
    }
    // Older files say add_prefix_space instead.
    return json_fields::bool_or(value, "add_prefix_space", true, where) ? PrependScheme::Always : PrependScheme::Never;
}

template <class Item, class ParseOne>
std::vector<std::unique_ptr<Item>> parse_list(const json& value, const char* key, const Where& where, ParseOne parse_one) {
    const Where at = where.at(key);
    const json& list = json_fields::require_array(json_fields::require(value, key, where), at);
    std::vector<std::unique_ptr<Item>> items;
    for (std::size_t i = 0; i < list.size(); ++i)
        if (auto item = parse_one(list[i], at.at(i))) items.push_back(std::move(item));
    return items;
}

}  // namespace

std::unique_ptr<Normalizer> parse_normalizer(const json& value, const Where& where) {
    if (value.is_null()) return nullptr;
    const NestingGuard guard(where);
    const std::string type = type_of(value, where);
    if (type == "NFC") return std::make_unique<NfcNormalizer>();
    if (type == "Prepend")
        return std::make_unique<PrependNormalizer>(json_fields::require_string(json_fields::require(value, "prepend", where), where.at("prepend")));
    if (type == "Replace") {
        const Pattern pattern = parse_pattern(value, where);
        std::string content = json_fields::require_string(json_fields::require(value, "content", where), where.at("content"));
        if (pattern.is_regex)
            return std::make_unique<ReplaceNormalizer>(Regex(pattern.text, where.source + ": " + where.path + ".pattern"), std::move(content));
        return std::make_unique<ReplaceNormalizer>(pattern.text, std::move(content));
    }
    if (type == "Sequence")
        return std::make_unique<NormalizerSequence>(parse_list<Normalizer>(value, "normalizers", where, parse_normalizer));
    where.at("type").fail("normalizer '" + type + "' is not supported");
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json& value, const Where& where) {
    if (value.is_null()) return nullptr;
    const NestingGuard guard(where);
    const std::string type = type_of(value, where);
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(json_fields::bool_or(value, "add_prefix_space", false, where),
                                                       json_fields::bool_or(value, "use_regex", true, where));
    if (type == "Split") {
        const Pattern pattern = parse_pattern(value, where);
        const SplitBehavior behavior =
            parse_behavior(json_fields::require_string(json_fields::require(value, "behavior", where), where.at("behavior")), where.at("behavior"));
        const bool invert = json_fields::bool_or(value, "invert", false, where);
        if (pattern.is_regex)
            return std::make_unique<SplitPreTokenizer>(Regex(pattern.text, where.source + ": " + where.path + ".pattern"), behavior, invert);
        return std::make_unique<SplitPreTokenizer>(pattern.text, behavior, invert);
    }
    if (type == "Metaspace")
        return std::make_unique<MetaspacePreTokenizer>(json_fields::string_or(value, "replacement", "\xE2\x96\x81", where),
                                                       parse_prepend_scheme(value, where),
                                                       json_fields::bool_or(value, "split", true, where));
    if (type == "Digits") {
        const bool individual = json_fields::bool_or(value, "individual_digits", false, where);
        return std::make_unique<SplitPreTokenizer>(Regex(R"(\p{N})", "Digits pre-tokenizer"),
                                                   individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous, false);
    }
    if (type == "Sequence")
        return std::make_unique<PreTokenizerSequence>(parse_list<PreTokenizer>(value, "pretokenizers", where, parse_pre_tokenizer));
    where.at("type").fail("pre_tokenizer '" + type + "' is not supported");
}

bool mentions_byte_level(const json& value, int depth) {
    if (!value.is_object() || depth > kMaxNesting) return false;
    if (value.contains("type") && value["type"] == "ByteLevel") return true;
    for (const char* key : {"pretokenizers", "decoders"})
        if (value.contains(key) && value[key].is_array())
            for (const json& item : value[key])
                if (mentions_byte_level(item, depth + 1)) return true;
    return false;
}

void parse_decoder(const json& value, const Where& where, DecodeRules& rules) {
    if (value.is_null()) return;
    const NestingGuard guard(where);
    const std::string type = type_of(value, where);
    if (type == "ByteLevel") {
        rules.byte_level = true;
    } else if (type == "ByteFallback") {
        rules.byte_fallback = true;
    } else if (type == "Fuse") {
        // Decoding already joins all tokens.
    } else if (type == "Replace") {
        const Pattern pattern = parse_pattern(value, where);
        if (pattern.is_regex) where.at("pattern").fail("a Regex pattern in a Replace decoder is not supported");
        rules.replacements.emplace_back(pattern.text, json_fields::require_string(json_fields::require(value, "content", where), where.at("content")));
    } else if (type == "Strip") {
        if (json_fields::string_or(value, "content", " ", where) != " ") where.at("content").fail("only spaces can be stripped");
        if (json_fields::int_or(value, "stop", 0, where) != 0) where.at("stop").fail("stripping the end is not supported");
        const int64_t start = json_fields::int_or(value, "start", 0, where);
        if (start < 0 || start > 64) where.at("start").fail("expected 0..64");
        rules.strip_leading_spaces += static_cast<int>(start);
    } else if (type == "Metaspace") {
        rules.replacements.emplace_back(json_fields::string_or(value, "replacement", "\xE2\x96\x81", where), " ");
        if (parse_prepend_scheme(value, where) != PrependScheme::Never) rules.strip_leading_spaces += 1;
    } else if (type == "Sequence") {
        const Where at = where.at("decoders");
        const json& list = json_fields::require_array(json_fields::require(value, "decoders", where), at);
        for (std::size_t i = 0; i < list.size(); ++i) parse_decoder(list[i], at.at(i), rules);
    } else {
        where.at("type").fail("decoder '" + type + "' is not supported");
    }
}

namespace {

void parse_template(const json& value, const Where& where, SpecialWrapping& wrapping) {
    const Where single_at = where.at("single");
    const json& single = json_fields::require_array(json_fields::require(value, "single", where), single_at);
    const json& specials = json_fields::has(value, "special_tokens") ? value.at("special_tokens") : json::object();
    bool seen_sequence = false;
    for (std::size_t i = 0; i < single.size(); ++i) {
        const Where item_at = single_at.at(i);
        const json& item = json_fields::require_object(single[i], item_at);
        if (item.contains("Sequence")) {
            seen_sequence = true;
            continue;
        }
        const json& special = json_fields::require(item, "SpecialToken", item_at);
        const std::string name = json_fields::require_string(json_fields::require(special, "id", item_at.at("SpecialToken")),
                                                             item_at.at("SpecialToken").at("id"));
        const Where named_at = where.at("special_tokens").at(name);
        if (!specials.contains(name)) named_at.fail("missing");
        const json& ids = json_fields::require_array(json_fields::require(specials.at(name), "ids", named_at), named_at.at("ids"));
        for (std::size_t k = 0; k < ids.size(); ++k) {
            const auto id = static_cast<int32_t>(json_fields::require_int(ids[k], named_at.at("ids").at(k)));
            (seen_sequence ? wrapping.suffix : wrapping.prefix).push_back(id);
        }
    }
}

}  // namespace

SpecialWrapping parse_post_processor(const json& value, const Where& where) {
    SpecialWrapping wrapping;
    if (value.is_null()) return wrapping;
    const NestingGuard guard(where);
    const std::string type = type_of(value, where);
    if (type == "ByteLevel") return wrapping;
    if (type == "TemplateProcessing") {
        parse_template(value, where, wrapping);
    } else if (type == "RobertaProcessing" || type == "BertProcessing") {
        for (const char* key : {"cls", "sep"}) {
            const Where at = where.at(key);
            const json& pair = json_fields::require_array(json_fields::require(value, key, where), at);
            if (pair.size() != 2) at.fail("expected [token, id]");
            const auto id = static_cast<int32_t>(json_fields::require_int(pair[1], at.at(1)));
            (std::string(key) == "cls" ? wrapping.prefix : wrapping.suffix).push_back(id);
        }
    } else if (type == "Sequence") {
        const Where at = where.at("processors");
        const json& list = json_fields::require_array(json_fields::require(value, "processors", where), at);
        for (std::size_t i = 0; i < list.size(); ++i) {
            SpecialWrapping inner = parse_post_processor(list[i], at.at(i));
            wrapping.prefix.insert(wrapping.prefix.end(), inner.prefix.begin(), inner.prefix.end());
            wrapping.suffix.insert(wrapping.suffix.end(), inner.suffix.begin(), inner.suffix.end());
        }
    } else {
        where.at("type").fail("post_processor '" + type + "' is not supported");
    }
    return wrapping;
}

}  // namespace vkllm::tokenizer
