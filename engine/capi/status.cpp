// Status codes, the per-thread last-error message, version and buffer helpers.
#include "capi/status.h"

#include <new>

#include "vkllm/error.h"

namespace vkllm::capi {

namespace {
thread_local std::string last_error;
}  // namespace

vkllm_status fail(vkllm_status status, const std::string& message) {
    try {
        last_error = message;
    } catch (...) {
        // No memory for the message: the status still says what kind of failure it was.
    }
    return status;
}

vkllm_status current_exception_status() {
    try {
        throw;
    } catch (const InputError& e) {
        return fail(VKLLM_ERROR_INPUT, e.what());
    } catch (const DeviceError& e) {
        return fail(VKLLM_ERROR_DEVICE, e.what());
    } catch (const Cancelled&) {
        return fail(VKLLM_ERROR_CANCELLED, "loading was cancelled by the progress callback");
    } catch (const std::bad_alloc&) {
        return fail(VKLLM_ERROR_OUT_OF_MEMORY, "out of host memory");
    } catch (const std::exception& e) {
        return fail(VKLLM_ERROR_INTERNAL, e.what());
    } catch (...) {
        return fail(VKLLM_ERROR_INTERNAL, "an unknown exception");
    }
}

vkllm_status copy_text(const std::string& text, char* buffer, size_t capacity, size_t* length) {
    if (!length) return fail(VKLLM_ERROR_INVALID_ARGUMENT, "length is NULL");
    *length = text.size();
    if (capacity < text.size() + 1 || !buffer)
        return fail(VKLLM_ERROR_BUFFER_TOO_SMALL, "the text needs " + std::to_string(text.size() + 1) +
                                                      " bytes with its NUL; the buffer has " + std::to_string(capacity));
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    return VKLLM_OK;
}

vkllm_status null_argument(const char* function, const char* argument) {
    return fail(VKLLM_ERROR_INVALID_ARGUMENT, std::string(function) + ": " + argument + " is NULL");
}

}  // namespace vkllm::capi

extern "C" {

const char* vkllm_last_error(void) { return vkllm::capi::last_error.c_str(); }

const char* vkllm_status_name(vkllm_status status) {
    switch (status) {
        case VKLLM_OK: return "ok";
        case VKLLM_ERROR_INVALID_ARGUMENT: return "invalid argument";
        case VKLLM_ERROR_INPUT: return "input";
        case VKLLM_ERROR_DEVICE: return "device";
        case VKLLM_ERROR_OUT_OF_MEMORY: return "out of memory";
        case VKLLM_ERROR_BUFFER_TOO_SMALL: return "buffer too small";
        case VKLLM_ERROR_CANCELLED: return "cancelled";
        case VKLLM_ERROR_ENGINE_GONE: return "engine gone";
        case VKLLM_ERROR_INTERNAL: return "internal";
    }
    return "unknown";
}

// VKLLM_VERSION_* come from the project's version (CMakeLists.txt, project()).
const char* vkllm_version_string(void) { return VKLLM_VERSION_STRING; }

void vkllm_version(uint32_t* major, uint32_t* minor, uint32_t* patch) {
    if (major) *major = VKLLM_VERSION_MAJOR;
    if (minor) *minor = VKLLM_VERSION_MINOR;
    if (patch) *patch = VKLLM_VERSION_PATCH;
}

}  // extern "C"
