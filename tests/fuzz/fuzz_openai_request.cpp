// libFuzzer target: an HTTP request body -> the OpenAI request parser of
// `vkllm serve` (apps/vkllm/serve/openai_request.h), as chat and as text
// completion, on the shipped model's tokenizer. Any body must either become
// engine requests that fit the context and vocabulary or be refused with a
// 400 ApiError; nothing else may escape, crash or hang.
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

void check(const GenerationSpec& spec, const ServedModel& m) {
    if (spec.requests.empty() || spec.requests.size() > m.max_n) std::abort();
    for (const Request& r : spec.requests) {
        if (r.prompt.empty() || r.max_tokens == 0 || r.prompt.size() + r.max_tokens > m.context) std::abort();
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
    return 0;
}
