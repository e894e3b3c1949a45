#include "openai_request.h"

#include <cmath>
#include <random>

#include "api_error.h"
#include "vkllm/error.h"

namespace vkllm::serve {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxDepth = 64;       // nesting of the body's arrays and objects
constexpr size_t kMaxStops = 4;        // as OpenAI
constexpr size_t kMaxEmbeddingInputs = 2048;  // as OpenAI

// Deepest nesting of [ and { outside strings, so a hostile body cannot make the parser recurse far.
size_t nesting_depth(const std::string& text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
        else if ((c == ']' || c == '}') && depth > 0) --depth;
    }
    return deepest;
}

std::string type_name(const json& v) {
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    return "null";
}

ApiError wrong_type(const std::string& param, const std::string& expected, const json& v) {
    return bad_field(param, "expected " + expected + ", got " + type_name(v), "invalid_type");
}

// An object's string member, or empty when it is absent or not a string.
std::string string_member(const json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A field that is absent or null reads as nullopt.
const json* field(const json& body, const char* name) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return nullptr;
    return &*it;
}

std::optional<bool> get_bool(const json& body, const char* name) {
    const json* v = field(body, name);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) throw wrong_type(name, "a boolean", *v);
    return v->get<bool>();
}

std::optional<double> get_number(const json& body, const char* name, double lo, double hi) {
    const json* v = field(body, name);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw wrong_type(name, "a number", *v);
    const double x = v->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi)
        throw bad_field(name, "must be between " + json(lo).dump() + " and " + json(hi).dump() + ", got " + v->dump());
    return x;
}

std::optional<int64_t> get_integer(const json& body, const char* name, int64_t lo, int64_t hi) {
    const json* v = field(body, name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) throw wrong_type(name, "an integer", *v);
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))
        throw bad_field(name, "must be at most " + std::to_string(hi) + ", got " + v->dump());
    const int64_t x = v->get<int64_t>();
    if (x < lo || x > hi)
        throw bad_field(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + v->dump());
    return x;
}

// Fields whose meaning this server cannot honour: refused rather than ignored.
void refuse_unsupported(const json& body) {
    for (const char* name : {"tools", "tool_choice", "functions", "function_call", "audio", "prediction"})
        if (field(body, name))
            throw ApiError(400, std::string(name) + " is not supported by this server", "invalid_request_error", name,
                           "unsupported_parameter");
    if (const json* v = field(body, "logit_bias"); v && !(v->is_object() && v->empty()))
        throw ApiError(400, "logit_bias is not supported by this server", "invalid_request_error", "logit_bias",
                       "unsupported_parameter");
    if (const json* v = field(body, "response_format"); v && !(v->is_object() && string_member(*v, "type") == "text"))
        throw ApiError(400, "response_format other than {\"type\": \"text\"} is not supported by this server",
                       "invalid_request_error", "response_format", "unsupported_parameter");
    if (const json* v = field(body, "suffix"); v && !(v->is_string() && v->get<std::string>().empty()))
        throw ApiError(400, "suffix is not supported by this server", "invalid_request_error", "suffix", "unsupported_parameter");
}

void check_model(const json& body, const ServedModel& model) {
    const json* v = field(body, "model");
    if (!v) throw bad_field("model", "required: the model to use (GET /v1/models lists it)", "missing_required_parameter");
    if (!v->is_string()) throw wrong_type("model", "a string", *v);
    if (v->get<std::string>() != model.id)
        throw ApiError(400, "model '" + v->get<std::string>() + "' is not served here; this server serves '" + model.id + "'",
                       "invalid_request_error", "model", "model_not_found");
}

std::vector<std::string> get_stop(const json& body) {
    const json* v = field(body, "stop");
    if (!v) return {};
    std::vector<std::string> stops;
    if (v->is_string()) stops.push_back(v->get<std::string>());
    else if (v->is_array()) {
        if (v->size() > kMaxStops) throw bad_field("stop", "at most " + std::to_string(kMaxStops) + " stop strings");
        for (const json& s : *v) {
            if (!s.is_string()) throw wrong_type("stop", "a string or an array of strings", *v);
            stops.push_back(s.get<std::string>());
        }
    } else {
        throw wrong_type("stop", "a string or an array of strings", *v);
    }
    for (const std::string& s : stops)
        if (s.empty()) throw bad_field("stop", "a stop string must not be empty");
    return stops;
}

// The fields both endpoints share: sampling, n, stop, stream; the request template every choice copies.
struct Common {
    Request request;
    uint32_t n = 1;
    std::optional<int64_t> max_tokens;
    const char* max_tokens_param = "max_tokens";
    uint64_t seed = 0;
    bool stream = false, include_usage = false;
    bool ignore_eos = false;
};

Common parse_common(const json& body, const ServedModel& model) {
    check_model(body, model);
    if (model.encoder)
        throw ApiError(400, "model '" + model.id + "' is an encoder (BERT family): it gives embeddings (POST /v1/embeddings) and does not generate text",
                       "invalid_request_error", "model", "unsupported_model");
    refuse_unsupported(body);
    Common c;
    runtime::SamplingParams& p = c.request.sampling;
    p.temperature = float(get_number(body, "temperature", 0, 2).value_or(1.0));
    p.top_p = float(get_number(body, "top_p", 0, 1).value_or(1.0));
    if (p.top_p == 0) p.temperature = 0;  // only the most likely token is left
    p.presence_penalty = float(get_number(body, "presence_penalty", -2, 2).value_or(0));
    p.frequency_penalty = float(get_number(body, "frequency_penalty", -2, 2).value_or(0));
    if (auto seed = get_integer(body, "seed", INT64_MIN, INT64_MAX)) c.seed = uint64_t(*seed);
    else c.seed = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
    c.n = uint32_t(get_integer(body, "n", 1, model.max_n).value_or(1));
    if (auto best_of = get_integer(body, "best_of", 1, model.max_n); best_of && *best_of != c.n)
        throw ApiError(400, "best_of other than n is not supported by this server", "invalid_request_error", "best_of",
                       "unsupported_parameter");
    c.max_tokens = get_integer(body, "max_completion_tokens", 1, INT64_MAX);
    if (c.max_tokens) c.max_tokens_param = "max_completion_tokens";
    else c.max_tokens = get_integer(body, "max_tokens", 1, INT64_MAX);
    c.request.stop = get_stop(body);
    // Not OpenAI's (vLLM's extension): generate up to max_tokens past EOS and end-of-turn tokens.
    c.ignore_eos = get_bool(body, "ignore_eos").value_or(false);
    c.request.stop_at_eos = !c.ignore_eos;
    c.stream = get_bool(body, "stream").value_or(false);
    if (const json* so = field(body, "stream_options")) {
        if (!so->is_object()) throw wrong_type("stream_options", "an object", *so);
        if (!c.stream) throw bad_field("stream_options", "only allowed when stream is true");
        c.include_usage = get_bool(*so, "include_usage").value_or(false);
    }
    try {
        p.validate();
    } catch (const InputError& e) {
        throw ApiError(400, e.what(), "invalid_request_error");
    }
    return c;
}

// Prompt tokens checked against the vocabulary and the context; max_tokens defaults to the rest of the context.
uint32_t check_lengths(const std::vector<int32_t>& prompt, const Common& c, const ServedModel& model, const char* prompt_param) {
    for (int32_t id : prompt)
        if (id < 0 || uint32_t(id) >= model.vocab)
            throw bad_field(prompt_param, "token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                                              std::to_string(model.vocab));
    if (prompt.empty()) throw bad_field(prompt_param, "the prompt has no tokens");
    if (prompt.size() + 1 > model.context)
        throw ApiError(400, std::string(prompt_param) + ": the prompt is " + std::to_string(prompt.size()) +
                                " tokens; with one new token that is more than the context of " +
                                std::to_string(model.context) + " tokens",
                       "invalid_request_error", prompt_param, "context_length_exceeded");
    const uint64_t room = model.context - prompt.size();
    if (!c.max_tokens) return uint32_t(room);
    if (uint64_t(*c.max_tokens) > room)
        throw ApiError(400, std::string(c.max_tokens_param) + ": " + std::to_string(*c.max_tokens) + " new tokens after a prompt of " +
                                std::to_string(prompt.size()) + " tokens need " + std::to_string(prompt.size() + *c.max_tokens) +
                                " tokens, more than the context of " + std::to_string(model.context) + " tokens",
                       "invalid_request_error", c.max_tokens_param, "context_length_exceeded");
    return uint32_t(*c.max_tokens);
}

// Adds n requests for one prompt, seeds seed, seed + 1, ... (the engine
// worker submits them as one request with n completions, which fork the
// prompt's KV blocks: engine_worker.cpp).
void add_choices(GenerationSpec& spec, const Common& c, std::vector<int32_t> prompt, uint32_t max_tokens) {
    spec.prompt_tokens.push_back(uint32_t(prompt.size()));
    for (uint32_t i = 0; i < c.n; ++i) {
        Request r = c.request;
        r.prompt = prompt;
        r.max_tokens = max_tokens;
        r.sampling.seed = c.seed + i;
        spec.requests.push_back(std::move(r));
    }
}

GenerationSpec start_spec(Endpoint endpoint, const Common& c) {
    GenerationSpec spec;
    spec.endpoint = endpoint;
    spec.stream = c.stream;
    spec.include_usage = c.include_usage;
    spec.n = c.n;
    spec.stop = c.request.stop;
    return spec;
}

std::string message_content(const json& m, size_t i) {
    const std::string param = "messages[" + std::to_string(i) + "].content";
    auto it = m.find("content");
    if (it == m.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_array()) throw wrong_type(param, "a string or an array of text parts", *it);
    std::string text;
    for (const json& part : *it) {
        if (!part.is_object() || string_member(part, "type") != "text" || !part.contains("text") || !part["text"].is_string())
            throw bad_field(param, "only parts of type \"text\" with a string \"text\" are supported");
        text += part["text"].get<std::string>();
    }
    return text;
}

std::vector<runtime::ChatMessage> parse_messages(const json& body) {
    const json* v = field(body, "messages");
    if (!v) throw bad_field("messages", "required: the conversation so far", "missing_required_parameter");
    if (!v->is_array()) throw wrong_type("messages", "an array", *v);
    if (v->empty()) throw bad_field("messages", "must hold at least one message");
    std::vector<runtime::ChatMessage> messages;
    for (size_t i = 0; i < v->size(); ++i) {
        const json& m = (*v)[i];
        const std::string param = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) throw wrong_type(param, "an object", m);
        if (!m.contains("role") || !m["role"].is_string()) throw bad_field(param + ".role", "required: a string");
        std::string role = m["role"].get<std::string>();
        if (role == "developer") role = "system";
        if (role != "system" && role != "user" && role != "assistant")
            throw bad_field(param + ".role", "'" + role + "' is not supported (system, developer, user or assistant)");
        messages.push_back({role, message_content(m, i)});
    }
    // The templates take one leading system message: later ones join the next user message.
    std::vector<runtime::ChatMessage> merged;
    for (size_t i = 0; i < messages.size(); ++i) {
        if (messages[i].role == "system" && i > 0) {
            if (i + 1 < messages.size() && messages[i + 1].role == "user") messages[i + 1].content = messages[i].content + "\n\n" + messages[i + 1].content;
            else throw bad_field("messages[" + std::to_string(i) + "].role", "a system message after the first must be followed by a user message");
            continue;
        }
        merged.push_back(messages[i]);
    }
    return merged;
}

}  // namespace

json parse_body(const std::string& body) {
    if (nesting_depth(body) > kMaxDepth)
        throw ApiError(400, "the request body nests arrays and objects deeper than " + std::to_string(kMaxDepth) + " levels");
    json j;
    try {
        j = json::parse(body);
    } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
        throw ApiError(400, std::string("the request body is not valid JSON: ") + e.what(), "invalid_request_error", {},
                       "invalid_json");
    }
    if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object, got " + type_name(j));
    return j;
}

namespace {

GenerationSpec chat_request(const json& body, const ServedModel& model) {
    Common c = parse_common(body, model);
    c.request.logprobs = get_bool(body, "logprobs").value_or(false);
    if (auto top = get_integer(body, "top_logprobs", 0, kMaxTopLogprobs)) {
        if (!c.request.logprobs && *top > 0) throw bad_field("top_logprobs", "needs logprobs: true");
        c.request.top_logprobs = uint32_t(*top);
    }
    if (model.end_of_turn && !c.ignore_eos) c.request.stop_tokens.push_back(*model.end_of_turn);
    const std::vector<runtime::ChatMessage> messages = parse_messages(body);
    const runtime::ChatTemplate chat(model.chat_family);
    std::string text;
    try {
        text = chat.render(messages, true);
    } catch (const InputError& e) {
        throw bad_field("messages", e.what());
    }
    std::vector<int32_t> prompt;
    if (!chat.spells_bos()) prompt = model.tokenizer->prefix_ids();
    const std::vector<int32_t> rest = model.tokenizer->encode(text, false);
    prompt.insert(prompt.end(), rest.begin(), rest.end());
    const uint32_t max_tokens = check_lengths(prompt, c, model, "messages");
    GenerationSpec spec = start_spec(Endpoint::Chat, c);
    spec.logprobs = c.request.logprobs;
    spec.top_logprobs = c.request.top_logprobs;
    spec.echo.push_back({});
    add_choices(spec, c, std::move(prompt), max_tokens);
    return spec;
}

GenerationSpec completion_request(const json& body, const ServedModel& model) {
    Common c = parse_common(body, model);
    // The number of alternatives per token (OpenAI allows 5; this server up to top_logprobs' limit).
    if (auto lp = get_integer(body, "logprobs", 0, kMaxTopLogprobs)) {
        c.request.logprobs = true;
        c.request.top_logprobs = uint32_t(*lp);
    }
    const bool echo = get_bool(body, "echo").value_or(false);
    if (echo && c.request.logprobs)
        throw ApiError(400, "echo with logprobs (the prompt's log-probabilities) is not supported by this server",
                       "invalid_request_error", "echo", "unsupported_parameter");
    const json* v = field(body, "prompt");
    if (!v) throw bad_field("prompt", "required: a string, an array of strings, an array of token ids or an array of such arrays",
                            "missing_required_parameter");
    // Each prompt as text or tokens.
    std::vector<json> prompts;
    auto is_token_array = [](const json& a) {
        return a.is_array() && !a.empty() && std::all_of(a.begin(), a.end(), [](const json& t) { return t.is_number_integer(); });
    };
    if (v->is_string() || is_token_array(*v)) prompts.push_back(*v);
    else if (v->is_array() && !v->empty()) {
        for (const json& p : *v) {
            if (!p.is_string() && !is_token_array(p))
                throw wrong_type("prompt", "a string, an array of strings, an array of token ids or an array of such arrays", *v);
            prompts.push_back(p);
        }
    } else {
        throw wrong_type("prompt", "a string, an array of strings, a non-empty array of token ids or an array of such arrays", *v);
    }
    if (prompts.size() * c.n > model.max_n)
        throw bad_field("prompt", std::to_string(prompts.size()) + " prompts times n = " + std::to_string(c.n) +
                                      " choices are more than the limit of " + std::to_string(model.max_n));
    GenerationSpec spec = start_spec(Endpoint::Completion, c);
    spec.logprobs = c.request.logprobs;
    spec.top_logprobs = c.request.top_logprobs;
    for (const json& p : prompts) {
        std::vector<int32_t> tokens;
        std::string text;
        if (p.is_string()) {
            text = p.get<std::string>();
            tokens = model.tokenizer->encode(text, true);
        } else {
            for (const json& t : p) {
                if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
                    throw bad_field("prompt", "token id " + t.dump() + " is outside the model's vocabulary of " + std::to_string(model.vocab));
                tokens.push_back(int32_t(t.get<int64_t>()));
            }
        }
        const uint32_t max_tokens = check_lengths(tokens, c, model, "prompt");
        if (echo && !p.is_string()) text = model.tokenizer->decode(tokens, true);
        spec.echo.push_back(echo ? text : std::string());
        add_choices(spec, c, std::move(tokens), max_tokens);
    }
    return spec;
}

EmbeddingSpec embedding_request(const json& body, const ServedModel& model) {
    check_model(body, model);
    if (!model.encoder)
        throw ApiError(400, "model '" + model.id + "' generates text; embeddings need an encoder model (BERT family)",
                       "invalid_request_error", "model", "unsupported_model");
    EmbeddingSpec spec;
    if (const json* f = field(body, "encoding_format")) {
        if (!f->is_string()) throw wrong_type("encoding_format", "a string", *f);
        const std::string format = f->get<std::string>();
        if (format != "float" && format != "base64") throw bad_field("encoding_format", "must be 'float' or 'base64', got '" + format + "'");
        spec.base64 = format == "base64";
    }
    if (auto d = get_integer(body, "dimensions", 1, INT64_MAX); d && uint64_t(*d) != model.embedding_size)
        throw ApiError(400, "dimensions: this model's embeddings have " + std::to_string(model.embedding_size) + " dimensions, got " +
                                std::to_string(*d) + " (shortened embeddings are not supported)",
                       "invalid_request_error", "dimensions", "unsupported_parameter");
    const json* v = field(body, "input");
    const char* what = "a string, an array of strings, an array of token ids or an array of such arrays";
    if (!v) throw bad_field("input", std::string("required: ") + what, "missing_required_parameter");
    auto is_token_array = [](const json& a) {
        return a.is_array() && !a.empty() && std::all_of(a.begin(), a.end(), [](const json& t) { return t.is_number_integer(); });
    };
    std::vector<const json*> inputs;
    if (v->is_string() || is_token_array(*v)) inputs.push_back(v);
    else if (v->is_array() && !v->empty()) {
        for (const json& p : *v) {
            if (!p.is_string() && !is_token_array(p)) throw wrong_type("input", what, *v);
            inputs.push_back(&p);
        }
    } else {
        throw wrong_type("input", std::string("a non-empty ") + what, *v);
    }
    if (inputs.size() > kMaxEmbeddingInputs)
        throw bad_field("input", std::to_string(inputs.size()) + " inputs are more than the limit of " + std::to_string(kMaxEmbeddingInputs));
    for (size_t i = 0; i < inputs.size(); ++i) {
        const json& p = *inputs[i];
        const std::string param = inputs.size() == 1 && inputs[0] == v ? "input" : "input[" + std::to_string(i) + "]";
        std::vector<int32_t> tokens;
        if (p.is_string()) {
            if (!model.tokenizer)
                throw bad_field(param, "this model has no tokenizer (start the server with --tokenizer FILE); send token ids instead");
            tokens = model.tokenizer->encode(p.get<std::string>(), true);
        } else {
            for (const json& t : p) {
                const int64_t id = t.get<int64_t>();
                if (id < 0 || uint64_t(id) >= model.vocab)
                    throw bad_field(param, "token id " + t.dump() + " is outside the model's vocabulary of " + std::to_string(model.vocab));
                tokens.push_back(int32_t(id));
            }
        }
        if (tokens.empty()) throw bad_field(param, "the input has no tokens");
        if (tokens.size() > model.context)
            throw ApiError(400, param + ": the input is " + std::to_string(tokens.size()) + " tokens, more than the context of " +
                                    std::to_string(model.context) + " tokens",
                           "invalid_request_error", param, "context_length_exceeded");
        spec.prompt_tokens += tokens.size();
        spec.inputs.push_back(std::move(tokens));
    }
    return spec;
}

// Every field is type-checked before it is read; should a read still meet a
// value of another type, that is the body's fault: a 400, never a 500.
template <typename Parse>
auto checked(Parse parse, const json& body, const ServedModel& model) {
    try {
        return parse(body, model);
    } catch (const json::exception& e) {
        throw ApiError(400, std::string("a field of the request has the wrong type or value: ") + e.what());
    }
}

}  // namespace

GenerationSpec parse_chat_request(const json& body, const ServedModel& model) { return checked(chat_request, body, model); }
GenerationSpec parse_completion_request(const json& body, const ServedModel& model) {
    return checked(completion_request, body, model);
}
EmbeddingSpec parse_embedding_request(const json& body, const ServedModel& model) {
    return checked(embedding_request, body, model);
}

}  // namespace vkllm::serve
