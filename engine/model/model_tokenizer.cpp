#include "model/model_tokenizer.h"

#include "model/gguf_file.h"
#include "vkllm/error.h"

namespace vkllm {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> strings(const GgufValue* v) {
    std::vector<std::string> out;
    if (v && v->array)
        for (std::string_view s : v->array->strings) out.emplace_back(s);
    return out;
}

template <typename T, typename Convert>
std::vector<T> numbers(const GgufValue* v, Convert convert) {
    std::vector<T> out;
    if (!v || !v->array) return out;
    for (uint64_t i = 0; i < v->array->count; ++i) out.push_back(convert(v->array->at(i)));
    return out;
}

std::optional<int32_t> id(const GgufFile& f, const char* key) {
    if (const GgufValue* v = f.find(key))
        if (auto n = v->as_uint(); n && *n <= uint64_t(INT32_MAX)) return int32_t(*n);
    return std::nullopt;
}

// Converters write these flags as GGUF bools; integers are accepted too.
std::optional<bool> flag(const GgufFile& f, const char* key) {
    if (const GgufValue* v = f.find(key)) {
        if (v->type == GgufType::Bool) return v->bits != 0;
        if (auto n = v->as_uint()) return *n != 0;
    }
    return std::nullopt;
}

tokenizer::Tokenizer from_gguf(const std::string& path) {
    GgufFile file = GgufFile::open(path);
    tokenizer::GgufTokenizerMetadata m;
    m.source = path;
    if (const GgufValue* v = file.find("tokenizer.ggml.model")) m.model = std::string(v->string);
    if (const GgufValue* v = file.find("tokenizer.ggml.pre")) m.pre = std::string(v->string);
    m.tokens = strings(file.find("tokenizer.ggml.tokens"));
    if (m.model.empty() || m.tokens.empty())
        throw InputError(path + ": the GGUF file holds no tokenizer (tokenizer.ggml.model / .tokens); pass --tokenizer");
    m.merges = strings(file.find("tokenizer.ggml.merges"));
    m.scores = numbers<float>(file.find("tokenizer.ggml.scores"),
                              [](const GgufValue& v) { return float(v.as_double().value_or(0.0)); });
    m.token_types = numbers<int32_t>(file.find("tokenizer.ggml.token_type"),
                                     [](const GgufValue& v) { return int32_t(v.as_int().value_or(1)); });
    m.bos_id = id(file, "tokenizer.ggml.bos_token_id");
    m.eos_id = id(file, "tokenizer.ggml.eos_token_id");
    m.unk_id = id(file, "tokenizer.ggml.unknown_token_id");
    m.add_bos = flag(file, "tokenizer.ggml.add_bos_token");
    m.add_eos = flag(file, "tokenizer.ggml.add_eos_token");
    m.add_space_prefix = flag(file, "tokenizer.ggml.add_space_prefix");
    return tokenizer::from_gguf_metadata(m);
}

}  // namespace

tokenizer::Tokenizer load_model_tokenizer(const std::string& path) {
    if (ends_with(path, ".gguf")) return from_gguf(path);
    return tokenizer::load_tokenizer(path);
}

void check_tokenizer_fits_model(const tokenizer::Tokenizer& tok, const ModelConfig& model) {
    const std::string vocab = std::to_string(model.vocab_size);
    const std::string model_name = model.source_path.empty() ? std::string("the model") : model.source_path;
    auto outside = [&](const std::string& what, size_t id) {
        throw InputError(tok.source() + ": " + what + " has id " + std::to_string(id) + ", outside the vocabulary of " +
                         vocab + " of " + model_name + " (tokenizer and model do not match)");
    };
    for (size_t id = 0; id < tok.vocab_size(); ++id) {
        const int32_t i = int32_t(id);
        if (id >= model.vocab_size) {
            // An ordinary token past the model's ids only matters if a text uses it (checked when
            // encoding); a special or added token is one the commands insert themselves.
            if (tok.has_id(i) && (tok.token(i).special || tok.token(i).added))
                outside("special token '" + tok.token(i).text + "'", id);
            continue;
        }
        if (!tok.has_id(i))
            throw InputError(tok.source() + ": id " + std::to_string(id) +
                             " is unused (a hole in the vocabulary), but " + model_name +
                             " can generate it and nothing could decode it");
    }
    for (const auto& [what, id] : {std::pair{"bos token", tok.bos_id()}, std::pair{"eos token", tok.eos_id()}})
        if (id && uint32_t(*id) >= model.vocab_size) outside(what, size_t(*id));
    for (int32_t id : tok.prefix_ids())
        if (uint32_t(id) >= model.vocab_size) outside("the token put before every text", size_t(id));
    for (int32_t id : tok.suffix_ids())
        if (uint32_t(id) >= model.vocab_size) outside("the token put after every text", size_t(id));
}

tokenizer::Tokenizer load_model_tokenizer(const std::string& path, const ModelConfig& model) {
    tokenizer::Tokenizer tok = load_model_tokenizer(path);
    check_tokenizer_fits_model(tok, model);
    return tok;
}

std::optional<tokenizer::Tokenizer> load_own_tokenizer(const ModelConfig& model) {
    if (model.tokenizer.empty()) return std::nullopt;
    if (ends_with(model.tokenizer, ".gguf") && !GgufFile::open(model.tokenizer).find("tokenizer.ggml.tokens"))
        return std::nullopt;  // a GGUF without tokenizer metadata: commands ask for --tokenizer
    return load_model_tokenizer(model.tokenizer, model);
}

}  // namespace vkllm
