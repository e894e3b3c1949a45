#pragma once
// How every C API call reports: a status code, and the message kept per thread
// for vkllm_last_error(). `guarded` runs a call's body and turns any exception
// into a status, so none leaves the library.
#include <algorithm>
#include <cstring>
#include <string>

#include "vkllm/vkllm.h"

namespace vkllm::capi {

// Records `message` as this thread's last error and returns `status`.
vkllm_status fail(vkllm_status status, const std::string& message);

// Thrown by a progress callback's wrapper to stop loading.
struct Cancelled {};

// The status and message of the exception being handled (call inside a catch).
vkllm_status current_exception_status();

// Runs `body` (returning vkllm_status); exceptions become statuses and messages.
template <typename Body>
vkllm_status guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (...) {
        return current_exception_status();
    }
}

// The options struct as this library knows it: defaults, then the part of the
// caller's struct both know (struct_size bytes). False (with the last error set)
// for a null pointer or a struct_size that does not cover struct_size itself.
template <typename T>
bool read_struct(const T* in, T& out, void (*init)(T*), const char* what) {
    init(&out);
    if (!in) return fail(VKLLM_ERROR_INVALID_ARGUMENT, std::string(what) + " is NULL"), false;
    if (in->struct_size < sizeof(size_t))
        return fail(VKLLM_ERROR_INVALID_ARGUMENT, std::string(what) + ".struct_size is " + std::to_string(in->struct_size) +
                                                      "; set it to sizeof the struct (the *_init function does)"),
               false;
    std::memcpy(&out, in, std::min(in->struct_size, sizeof(T)));
    out.struct_size = sizeof(T);
    return true;
}

// Fills the part of the caller's output struct both know, from `full`.
template <typename T>
bool write_struct(T* out, const T& full, const char* what) {
    if (!out) return fail(VKLLM_ERROR_INVALID_ARGUMENT, std::string(what) + " is NULL"), false;
    if (out->struct_size < sizeof(size_t))
        return fail(VKLLM_ERROR_INVALID_ARGUMENT, std::string(what) + "->struct_size is " + std::to_string(out->struct_size) +
                                                      "; set it to sizeof the struct"),
               false;
    const size_t size = std::min(out->struct_size, sizeof(T));
    std::memcpy(out, &full, size);
    out->struct_size = size;
    return true;
}

// Copies `text` and a NUL into `buffer` (capacity bytes); *length gets its
// length. VKLLM_ERROR_BUFFER_TOO_SMALL, with *length set, when it does not fit.
vkllm_status copy_text(const std::string& text, char* buffer, size_t capacity, size_t* length);

// A null handle or output pointer: VKLLM_ERROR_INVALID_ARGUMENT naming it.
vkllm_status null_argument(const char* function, const char* argument);

}  // namespace vkllm::capi
