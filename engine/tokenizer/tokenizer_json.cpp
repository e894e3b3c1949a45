#include <fstream>
#include <sstream>

#include "common/json_document.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pipeline_json.h"
#include "tokenizer/special_ids.h"
#include "vkllm/error.h"

namespace vkllm::tokenizer {

using json_fields::Where;
using nlohmann::json;

namespace {

// Ids of a real tokenizer are nearly dense: at most a few unused ids (e.g.
// between the vocabulary and the special tokens). Bounding ids by the number of
// entries plus a slack keeps a corrupt id from sizing a huge table.
constexpr std::size_t kUnusedIdSlack = 1 << 16;

int32_t checked_id(const json& value, const Where& where, std::size_t id_limit) {
    const int64_t id = json_fields::require_int(value, where);
    if (id < 0 || static_cast<std::size_t>(id) >= id_limit)
        where.fail("token id " + std::to_string(id) + " is out of range (at most " + std::to_string(id_limit) + " ids for this file)");
    return static_cast<int32_t>(id);
}

std::vector<AddedToken> parse_added_tokens(const json& root, const Where& where, std::size_t id_limit) {
    std::vector<AddedToken> added;
    if (!json_fields::has(root, "added_tokens")) return added;
    const Where at = where.at("added_tokens");
    const json& list = json_fields::require_array(root.at("added_tokens"), at);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Where item_at = at.at(i);
        const json& item = json_fields::require_object(list[i], item_at);
        AddedToken token;
        token.id = checked_id(json_fields::require(item, "id", item_at), item_at.at("id"), id_limit);
        token.content = json_fields::require_string(json_fields::require(item, "content", item_at), item_at.at("content"));
        if (token.content.empty()) item_at.at("content").fail("empty added token");
        token.special = json_fields::bool_or(item, "special", false, item_at);
        token.lstrip = json_fields::bool_or(item, "lstrip", false, item_at);
        token.rstrip = json_fields::bool_or(item, "rstrip", false, item_at);
        added.push_back(std::move(token));
    }
    return added;
}

std::vector<TokenInfo> collect_tokens(const json& vocab, const std::vector<AddedToken>& added, const Where& where,
                                      std::size_t id_limit) {
    std::vector<TokenInfo> tokens;
    auto slot = [&](int32_t id) -> TokenInfo& {
        if (static_cast<std::size_t>(id) >= tokens.size()) {
            const std::size_t old = tokens.size();
            tokens.resize(static_cast<std::size_t>(id) + 1);
            for (std::size_t i = old; i < tokens.size(); ++i) tokens[i].present = false;
        }
        return tokens[id];
    };
    tokens.reserve(vocab.size() + added.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        const int32_t id = checked_id(it.value(), where.at(it.key()), id_limit);
        TokenInfo& info = slot(id);
        if (info.present) where.at(it.key()).fail("id " + std::to_string(id) + " is used twice");
        info = TokenInfo{it.key(), {}, false, false, true};
    }
    for (const AddedToken& token : added) {
        TokenInfo& info = slot(token.id);
        info.present = true;
        info.text = token.content;
        info.added = true;
        info.special = token.special;
    }
    return tokens;
}

BpeOptions parse_model_options(const json& model, const Where& where, bool byte_level, const PieceMap& pieces) {
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!json_fields::string_or(model, key, "", where).empty()) where.at(key).fail("is not supported");
    if (json_fields::has(model, "dropout") && (!model.at("dropout").is_number() || model.at("dropout").get<double>() != 0.0))
        where.at("dropout").fail("BPE dropout is not supported");
    BpeOptions options;
    options.byte_level = byte_level;
    options.byte_fallback = json_fields::bool_or(model, "byte_fallback", false, where);
    options.ignore_merges = json_fields::bool_or(model, "ignore_merges", false, where);
    options.fuse_unk = json_fields::bool_or(model, "fuse_unk", false, where);
    if (json_fields::has(model, "unk_token")) {
        const std::string unk = json_fields::require_string(model.at("unk_token"), where.at("unk_token"));
        auto it = pieces.find(byte_level ? byte_level_to_bytes(unk).value_or(unk) : unk);
        if (it == pieces.end()) where.at("unk_token").fail("token '" + unk + "' is not in the vocabulary");
        options.unk_id = it->second;
    }
    return options;
}

void add_merges(const json& model, const Where& where, BpeModel& bpe) {
    if (!json_fields::has(model, "merges")) return;
    const Where at = where.at("merges");
    const json& merges = json_fields::require_array(model.at("merges"), at);
    const bool byte_level = bpe.options().byte_level;
    auto to_piece = [&](std::string text) { return byte_level ? byte_level_to_bytes(text).value_or(text) : text; };
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const Where item_at = at.at(i);
        std::string left, right;
        if (merges[i].is_string()) {
            const std::string line = merges[i].get<std::string>();
            const std::size_t space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                item_at.fail("expected two tokens separated by one space, got '" + line + "'");
            left = line.substr(0, space);
            right = line.substr(space + 1);
        } else if (merges[i].is_array() && merges[i].size() == 2) {
            left = json_fields::require_string(merges[i][0], item_at.at(0));
            right = json_fields::require_string(merges[i][1], item_at.at(1));
        } else {
            item_at.fail("expected \"left right\" or [left, right]");
        }
        left = to_piece(std::move(left));
        right = to_piece(std::move(right));
        const auto left_id = bpe.find(left), right_id = bpe.find(right), merged_id = bpe.find(left + right);
        if (!left_id || !right_id || !merged_id) item_at.fail("merge uses a token that is not in the vocabulary");
        bpe.add_merge(*left_id, *right_id, *merged_id);
    }
}

std::string read_file(const std::filesystem::path& path) {
    return read_regular_file(path.string(), "tokenizer file", input_caps::json_bytes);
}

json parse_json_text(std::string_view text, const std::string& source) { return parse_json_document(text, source); }

}  // namespace

Tokenizer parse_tokenizer_json(std::string_view json_text, const std::string& source) {
    const json root = parse_json_text(json_text, source);
    const Where top{source, ""};
    json_fields::require_object(root, top);
    const Where model_at = top.at("model");
    const json& model = json_fields::require_object(json_fields::require(root, "model", top), model_at);
    const std::string type = json_fields::string_or(model, "type", "BPE", model_at);
    if (type != "BPE") model_at.at("type").fail("model type '" + type + "' is not supported (only BPE)");

    const json null_value;
    auto section = [&](const char* key) -> const json& { return root.contains(key) ? root.at(key) : null_value; };
    const bool byte_level = mentions_byte_level(section("pre_tokenizer")) || mentions_byte_level(section("decoder"));

    TokenizerParts parts;
    parts.source = source;
    const Where vocab_at = model_at.at("vocab");
    const json& vocab = json_fields::require_object(json_fields::require(model, "vocab", model_at), vocab_at);
    const std::size_t added_count = json_fields::has(root, "added_tokens") && root.at("added_tokens").is_array() ? root.at("added_tokens").size() : 0;
    const std::size_t id_limit = vocab.size() + added_count + kUnusedIdSlack;
    parts.added_tokens = parse_added_tokens(root, top, id_limit);
    parts.tokens = collect_tokens(vocab, parts.added_tokens, vocab_at, id_limit);
    if (parts.tokens.empty()) vocab_at.fail("the vocabulary is empty");

    PieceMap pieces;
    pieces.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        std::string piece = byte_level ? byte_level_to_bytes(it.key()).value_or(it.key()) : it.key();
        pieces.emplace(std::move(piece), it.value().get<int32_t>());
    }
    const BpeOptions options = parse_model_options(model, model_at, byte_level, pieces);
    parts.model = std::make_unique<BpeModel>(std::move(pieces), options);
    add_merges(model, model_at, *parts.model);

    parts.normalizer = parse_normalizer(section("normalizer"), top.at("normalizer"));
    parts.pre_tokenizer = parse_pre_tokenizer(section("pre_tokenizer"), top.at("pre_tokenizer"));
    parse_decoder(section("decoder"), top.at("decoder"), parts.decode_rules);
    parts.decode_rules.byte_level = parts.decode_rules.byte_level || byte_level;
    compute_token_bytes(parts.tokens, parts.decode_rules);

    SpecialWrapping wrapping = parse_post_processor(section("post_processor"), top.at("post_processor"));
    parts.prefix_ids = std::move(wrapping.prefix);
    parts.suffix_ids = std::move(wrapping.suffix);
    if (!parts.prefix_ids.empty()) parts.bos_id = parts.prefix_ids.front();
    parts.eos_id = !parts.suffix_ids.empty() ? std::optional(parts.suffix_ids.back()) : guess_eos_id(parts.tokens);
    return Tokenizer(std::move(parts));
}

Tokenizer load_tokenizer_json(const std::filesystem::path& path) {
    return parse_tokenizer_json(read_file(path), path.string());
}

void apply_tokenizer_config(Tokenizer& tokenizer, const std::filesystem::path& config_path) {
    const std::string source = config_path.string();
    const json root = parse_json_text(read_file(config_path), source);
    const Where top{source, ""};
    json_fields::require_object(root, top);
    auto token_id = [&](const char* key) -> std::optional<int32_t> {
        if (!json_fields::has(root, key)) return std::nullopt;
        const json& value = root.at(key);
        // Either "<s>" or {"content": "<s>", ...}.
        const std::string text = value.is_object()
                                     ? json_fields::require_string(json_fields::require(value, "content", top.at(key)), top.at(key).at("content"))
                                     : json_fields::require_string(value, top.at(key));
        auto id = tokenizer.find_token(text);
        if (!id) top.at(key).fail("token '" + text + "' is not in the vocabulary");
        return id;
    };
    if (auto bos = token_id("bos_token")) tokenizer.set_bos_id(bos);
    if (auto eos = token_id("eos_token")) tokenizer.set_eos_id(eos);

    std::vector<int32_t> prefix = tokenizer.prefix_ids(), suffix = tokenizer.suffix_ids();
    auto override_wrap = [&](const char* key, std::optional<int32_t> id, std::vector<int32_t>& ids) {
        if (!json_fields::has(root, key)) return;
        const bool wanted = json_fields::bool_or(root, key, false, top);
        std::erase_if(ids, [&](int32_t x) { return id && x == *id; });
        if (wanted) {
            if (!id) top.at(key).fail("is true but the tokenizer has no such token");
            ids.insert(std::string(key) == "add_bos_token" ? ids.begin() : ids.end(), *id);
        }
    };
    override_wrap("add_bos_token", tokenizer.bos_id(), prefix);
    override_wrap("add_eos_token", tokenizer.eos_id(), suffix);
    tokenizer.set_special_wrapping(std::move(prefix), std::move(suffix));
}

Tokenizer load_tokenizer(const std::filesystem::path& path) {
    std::error_code error;
    const bool is_dir = std::filesystem::is_directory(path, error);
    const std::filesystem::path file = is_dir ? path / "tokenizer.json" : path;
    Tokenizer tokenizer = load_tokenizer_json(file);
    const std::filesystem::path config = file.parent_path() / "tokenizer_config.json";
    if (std::filesystem::is_regular_file(config, error)) apply_tokenizer_config(tokenizer, config);
    return tokenizer;
}

}  // namespace vkllm::tokenizer
