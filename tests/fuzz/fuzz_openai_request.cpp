// libFuzzer target: an HTTP request body -> the OpenAI request parser of
// `vkllm serve` (apps/vkllm/serve/openai_request.h), as chat, as text
// completion (with logprobs / top_logprobs) and as embeddings (for an encoder
// model with the same tokenizer), on the shipped model's tokenizer. Any body
// must either become engine requests that fit the context and vocabulary (top
// alternatives at most kMaxTopLogprobs, embedding inputs non-empty) or be
// refused with a 400 ApiError; nothing else may escape, crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "serve/api_error.h"
#include "serve/openai_request.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

namespace {

using namespace vkllm;
using namespace vkllm::serve;

const ServedModel& served() {
    static const tokenizer::Tokenizer tok = tokenizer::load_tokenizer(VKLLM_SOURCE_DIR "/models/default/tokenizer.json");
    static const ServedModel model = [] {
        ServedModel m;
        m.id = "default";
        m.context = 128;
        m.vocab = 4096;
        m.tokenizer = &tok;
        m.max_n = 4;
        return m;
    }();
    return model;
}

const ServedModel& served_encoder() {
    static const ServedModel model = [] {
        ServedModel m = served();
        m.encoder = true;
        m.embedding_size = 64;
        return m;
    }();
    return model;
}

void check_embeddings(const EmbeddingSpec& spec, const ServedModel& m) {
    if (spec.inputs.empty()) std::abort();
    uint64_t tokens = 0;
    for (const std::vector<int32_t>& input : spec.inputs) {
        if (input.empty() || input.size() > m.context) std::abort();
        for (int32_t id : input)
            if (id < 0 || uint32_t(id) >= m.vocab) std::abort();
        tokens += input.size();
    }
    if (tokens != spec.prompt_tokens) std::abort();
}

void check(const GenerationSpec& spec, const ServedModel& m) {
    if (spec.requests.empty() || spec.requests.size() > m.max_n) std::abort();
    for (const Request& r : spec.requests) {
        if (r.prompt.empty() || r.max_tokens == 0 || r.prompt.size() + r.max_tokens > m.context) std::abort();
        if (r.top_logprobs > kMaxTopLogprobs || (r.top_logprobs > 0 && !r.logprobs)) std::abort();
        for (int32_t id : r.prompt)
            if (id < 0 || uint32_t(id) >= m.vocab) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ServedModel& m = served();
    const std::string body(reinterpret_cast<const char*>(data), size);
    nlohmann::json j;
    try {
        j = parse_body(body);
    } catch (const ApiError& e) {
        if (e.status() != 400) std::abort();
        return 0;
    }
    for (bool chat : {true, false}) {
        try {
            check(chat ? parse_chat_request(j, m) : parse_completion_request(j, m), m);
        } catch (const ApiError& e) {
            if (e.status() != 400) std::abort();
        } catch (const InputError&) {  // a tokenizer or template refusal, answered as 400 by the routes
        }
    }
    for (const ServedModel* model : {&m, &served_encoder()}) {  // a decoder refuses embeddings, an encoder takes them
        try {
            check_embeddings(parse_embedding_request(j, *model), *model);
            if (!model->encoder) std::abort();
        } catch (const ApiError& e) {
            if (e.status() != 400) std::abort();
        } catch (const InputError&) {
        }
    }
    return 0;
}
