// Tokenizer access: a tokenizer loaded on its own or the engine's (model/model_tokenizer.h).
#include "capi/handles.h"
#include "capi/status.h"
#include "model/model_tokenizer.h"

using namespace vkllm::capi;

extern "C" {

vkllm_status vkllm_tokenizer_load(const char* path, vkllm_tokenizer** out) {
    if (!path) return null_argument("vkllm_tokenizer_load", "path");
    if (!out) return null_argument("vkllm_tokenizer_load", "out");
    *out = nullptr;
    return guarded([&] {
        *out = new vkllm_tokenizer{vkllm::load_model_tokenizer(path)};
        return VKLLM_OK;
    });
}

void vkllm_tokenizer_destroy(vkllm_tokenizer* tokenizer) { delete tokenizer; }

vkllm_status vkllm_tokenize(const vkllm_tokenizer* tokenizer, const char* text, size_t length, int add_special,
                            int32_t* tokens, size_t capacity, size_t* count) {
    if (!tokenizer) return null_argument("vkllm_tokenize", "tokenizer");
    if (!text && length > 0) return null_argument("vkllm_tokenize", "text");
    if (!count) return null_argument("vkllm_tokenize", "count");
    if (!tokens && capacity > 0) return null_argument("vkllm_tokenize", "tokens (with a capacity above 0)");
    return guarded([&] {
        const std::vector<int32_t> ids = tokenizer->tokenizer.encode(std::string_view(text ? text : "", length), add_special != 0);
        *count = ids.size();
        if (ids.size() > capacity)
            return fail(VKLLM_ERROR_BUFFER_TOO_SMALL, "the text encodes to " + std::to_string(ids.size()) +
                                                          " tokens; the buffer holds " + std::to_string(capacity));
        std::copy(ids.begin(), ids.end(), tokens);
        return VKLLM_OK;
    });
}

vkllm_status vkllm_detokenize(const vkllm_tokenizer* tokenizer, const int32_t* tokens, size_t count, int skip_special,
                              char* buffer, size_t capacity, size_t* length) {
    if (!tokenizer) return null_argument("vkllm_detokenize", "tokenizer");
    if (!tokens && count > 0) return null_argument("vkllm_detokenize", "tokens");
    return guarded([&] {
        const std::string text = tokenizer->tokenizer.decode(std::span<const int32_t>(tokens, count), skip_special != 0);
        return copy_text(text, buffer, capacity, length);
    });
}

vkllm_status vkllm_token_to_piece(const vkllm_tokenizer* tokenizer, int32_t token, char* buffer, size_t capacity,
                                  size_t* length) {
    if (!tokenizer) return null_argument("vkllm_token_to_piece", "tokenizer");
    return guarded([&] { return copy_text(tokenizer->tokenizer.token(token).bytes, buffer, capacity, length); });
}

vkllm_status vkllm_tokenizer_get_info(const vkllm_tokenizer* tokenizer, vkllm_tokenizer_info* info) {
    if (!tokenizer) return null_argument("vkllm_tokenizer_get_info", "tokenizer");
    return guarded([&] {
        const vkllm::tokenizer::Tokenizer& t = tokenizer->tokenizer;
        vkllm_tokenizer_info full{sizeof full, uint32_t(t.vocab_size()), t.bos_id().value_or(-1), t.eos_id().value_or(-1)};
        return write_struct(info, full, "info") ? VKLLM_OK : VKLLM_ERROR_INVALID_ARGUMENT;
    });
}

}  // extern "C"
