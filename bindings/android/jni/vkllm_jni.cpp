// org.vkllm.Engine's native methods, over the C API only (vkllm/vkllm.h), so
// this is the same code an Android app loads. Strings cross as UTF-8 byte
// arrays (JNI's own string functions use modified UTF-8); failures become
// org.vkllm.VkllmException with the C API's status and message.
#include <jni.h>

#include <mutex>
#include <string>
#include <vector>

#include "vkllm/vkllm.h"

namespace {

// What a Java Engine's `handle` points to.
struct JniEngine {
    vkllm_engine* engine = nullptr;
    std::mutex use;                     // one call on the engine at a time
    std::mutex current_mutex;           // guards `current` for cancel() from other threads
    vkllm_request* current = nullptr;   // the generation in progress
};

JniEngine* from_handle(jlong handle) { return reinterpret_cast<JniEngine*>(handle); }

void throw_vkllm(JNIEnv* env, vkllm_status status, const std::string& message) {
    jclass cls = env->FindClass("org/vkllm/VkllmException");
    if (!cls) return;  // NoClassDefFoundError is pending
    jmethodID ctor = env->GetMethodID(cls, "<init>", "(I[B)V");
    if (!ctor) return;
    jbyteArray bytes = env->NewByteArray(jsize(message.size()));
    if (!bytes) return;
    env->SetByteArrayRegion(bytes, 0, jsize(message.size()), reinterpret_cast<const jbyte*>(message.data()));
    if (auto* e = static_cast<jthrowable>(env->NewObject(cls, ctor, jint(status), bytes))) env->Throw(e);
}

// True when `status` is a failure, with the exception thrown.
bool failed(JNIEnv* env, vkllm_status status) {
    if (status == VKLLM_OK) return false;
    throw_vkllm(env, status, vkllm_last_error());
    return true;
}

// A Java byte[] as a std::string (null: `present` false).
struct Utf8 {
    std::string text;
    bool present = false;
    Utf8(JNIEnv* env, jbyteArray array) {
        if (!array) return;
        present = true;
        text.resize(size_t(env->GetArrayLength(array)));
        env->GetByteArrayRegion(array, 0, jsize(text.size()), reinterpret_cast<jbyte*>(text.data()));
    }
    const char* c_str() const { return present ? text.c_str() : nullptr; }
};

jbyteArray to_bytes(JNIEnv* env, const char* data, size_t size) {
    jbyteArray out = env->NewByteArray(jsize(size));
    if (out) env->SetByteArrayRegion(out, 0, jsize(size), reinterpret_cast<const jbyte*>(data));
    return out;
}

jlong native_create(JNIEnv* env, jclass, jbyteArray model, jbyteArray tokenizer, jbyteArray device,
                    jbyteArray pipeline_cache_dir, jint context, jboolean validation) {
    if (!model) return throw_vkllm(env, VKLLM_ERROR_INVALID_ARGUMENT, "the model path is null"), 0;
    const Utf8 model_path(env, model), tokenizer_path(env, tokenizer), device_name(env, device),
        cache_dir(env, pipeline_cache_dir);
    if (context < 0) return throw_vkllm(env, VKLLM_ERROR_INPUT, "context must not be negative"), 0;
    vkllm_engine_options o;
    vkllm_engine_options_init(&o);
    o.model_path = model_path.c_str();
    o.tokenizer_path = tokenizer_path.c_str();
    o.device = device_name.c_str();
    o.pipeline_cache_dir = cache_dir.c_str();
    o.context = uint32_t(context);
    o.validation = validation ? 1 : 0;
    auto* state = new JniEngine;
    if (failed(env, vkllm_engine_create(&o, &state->engine))) {
        delete state;
        return 0;
    }
    return reinterpret_cast<jlong>(state);
}

// Each token goes to Engine.dispatch(callback, token, utf8); false or a Java exception stops generating.
struct Streaming {
    JNIEnv* env;
    jobject callback;
    jclass engine_class;
    jmethodID dispatch;
};

int on_token(void* user, const vkllm_token_event* event) {
    auto* s = static_cast<Streaming*>(user);
    if (event->token < 0 && event->text_length == 0) return 0;  // the finish notice alone
    jbyteArray text = to_bytes(s->env, event->text, event->text_length);
    if (!text) return 1;
    const jboolean go_on = s->env->CallStaticBooleanMethod(s->engine_class, s->dispatch, s->callback, jint(event->token), text);
    s->env->DeleteLocalRef(text);
    return s->env->ExceptionCheck() || !go_on ? 1 : 0;
}

jbyteArray native_generate(JNIEnv* env, jclass engine_class, jlong handle, jbyteArray prompt, jint max_tokens,
                           jfloat temperature, jlong seed, jobject callback) {
    JniEngine* state = from_handle(handle);
    if (!prompt) return throw_vkllm(env, VKLLM_ERROR_INVALID_ARGUMENT, "the prompt is null"), nullptr;
    if (max_tokens < 1) return throw_vkllm(env, VKLLM_ERROR_INPUT, "maxTokens must be at least 1, not " + std::to_string(max_tokens)), nullptr;
    const Utf8 text(env, prompt);
    Streaming streaming{env, callback, engine_class, nullptr};
    if (callback) {
        streaming.dispatch = env->GetStaticMethodID(engine_class, "dispatch", "(Lorg/vkllm/Engine$TokenCallback;I[B)Z");
        if (!streaming.dispatch) return nullptr;
    }
    std::lock_guard use(state->use);
    vkllm_request_options o;
    vkllm_request_options_init(&o);
    o.prompt = text.c_str();
    o.max_tokens = uint32_t(max_tokens);
    o.temperature = temperature;
    o.seed = uint64_t(seed);
    if (callback) {
        o.on_token = on_token;
        o.on_token_user = &streaming;
    }
    vkllm_request* request = nullptr;
    if (failed(env, vkllm_request_submit(state->engine, &o, &request))) return nullptr;
    {
        std::lock_guard lock(state->current_mutex);
        state->current = request;
    }
    vkllm_status status = vkllm_request_run(request);
    std::string out;
    if (status == VKLLM_OK) {
        size_t length = 0;
        vkllm_request_get_text(request, nullptr, 0, &length);
        out.resize(length + 1);
        status = vkllm_request_get_text(request, out.data(), out.size(), &length);
        out.resize(length);
    }
    {
        std::lock_guard lock(state->current_mutex);
        state->current = nullptr;
    }
    const std::string message = status == VKLLM_OK ? std::string() : vkllm_last_error();
    vkllm_request_destroy(request);
    if (env->ExceptionCheck()) return nullptr;  // the callback threw: let it propagate
    if (status != VKLLM_OK) return throw_vkllm(env, status, message), nullptr;
    return to_bytes(env, out.data(), out.size());
}

jintArray native_tokenize(JNIEnv* env, jclass, jlong handle, jbyteArray text_bytes) {
    JniEngine* state = from_handle(handle);
    if (!text_bytes) return throw_vkllm(env, VKLLM_ERROR_INVALID_ARGUMENT, "the text is null"), nullptr;
    const Utf8 text(env, text_bytes);
    std::lock_guard use(state->use);
    const vkllm_tokenizer* tok = nullptr;
    if (failed(env, vkllm_engine_get_tokenizer(state->engine, &tok))) return nullptr;
    size_t count = 0;
    std::vector<int32_t> ids(text.text.size() + 8);
    vkllm_status status = vkllm_tokenize(tok, text.text.data(), text.text.size(), 1, ids.data(), ids.size(), &count);
    if (status == VKLLM_ERROR_BUFFER_TOO_SMALL) {
        ids.resize(count);
        status = vkllm_tokenize(tok, text.text.data(), text.text.size(), 1, ids.data(), ids.size(), &count);
    }
    if (failed(env, status)) return nullptr;
    jintArray out = env->NewIntArray(jsize(count));
    if (out) env->SetIntArrayRegion(out, 0, jsize(count), reinterpret_cast<const jint*>(ids.data()));
    return out;
}

jbyteArray native_detokenize(JNIEnv* env, jclass, jlong handle, jintArray tokens) {
    JniEngine* state = from_handle(handle);
    if (!tokens) return throw_vkllm(env, VKLLM_ERROR_INVALID_ARGUMENT, "the token array is null"), nullptr;
    std::vector<int32_t> ids(size_t(env->GetArrayLength(tokens)));
    env->GetIntArrayRegion(tokens, 0, jsize(ids.size()), reinterpret_cast<jint*>(ids.data()));
    std::lock_guard use(state->use);
    const vkllm_tokenizer* tok = nullptr;
    if (failed(env, vkllm_engine_get_tokenizer(state->engine, &tok))) return nullptr;
    size_t length = 0;
    vkllm_status status = vkllm_detokenize(tok, ids.data(), ids.size(), 0, nullptr, 0, &length);
    if (status != VKLLM_ERROR_BUFFER_TOO_SMALL && failed(env, status)) return nullptr;
    std::string text(length + 1, '\0');
    if (failed(env, vkllm_detokenize(tok, ids.data(), ids.size(), 0, text.data(), text.size(), &length))) return nullptr;
    return to_bytes(env, text.data(), length);
}

void native_cancel(JNIEnv* env, jclass, jlong handle) {
    JniEngine* state = from_handle(handle);
    std::lock_guard lock(state->current_mutex);
    if (state->current) failed(env, vkllm_request_cancel(state->current));
}

jbyteArray native_device_name(JNIEnv* env, jclass, jlong handle) {
    JniEngine* state = from_handle(handle);
    std::lock_guard use(state->use);
    vkllm_engine_info info = {sizeof info};
    if (failed(env, vkllm_engine_get_info(state->engine, &info))) return nullptr;
    return to_bytes(env, info.device_name, std::char_traits<char>::length(info.device_name));
}

jlong native_validation_messages(JNIEnv* env, jclass, jlong handle) {
    JniEngine* state = from_handle(handle);
    std::lock_guard use(state->use);
    vkllm_engine_info info = {sizeof info};
    if (failed(env, vkllm_engine_get_info(state->engine, &info))) return 0;
    return jlong(info.validation_messages);
}

void native_destroy(JNIEnv*, jclass, jlong handle) {
    JniEngine* state = from_handle(handle);
    {
        std::lock_guard use(state->use);  // a generation on another thread finishes first
        vkllm_engine_destroy(state->engine);
    }
    delete state;
}

}  // namespace

// Binds the native methods by table rather than by mangled names.
extern "C" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
    JNIEnv* env = nullptr;
    if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
    jclass cls = env->FindClass("org/vkllm/Engine");
    if (!cls) return JNI_ERR;
    static const JNINativeMethod methods[] = {
        {const_cast<char*>("nativeCreate"), const_cast<char*>("([B[B[B[BIZ)J"), reinterpret_cast<void*>(native_create)},
        {const_cast<char*>("nativeGenerate"), const_cast<char*>("(J[BIFJLorg/vkllm/Engine$TokenCallback;)[B"),
         reinterpret_cast<void*>(native_generate)},
        {const_cast<char*>("nativeTokenize"), const_cast<char*>("(J[B)[I"), reinterpret_cast<void*>(native_tokenize)},
        {const_cast<char*>("nativeDetokenize"), const_cast<char*>("(J[I)[B"), reinterpret_cast<void*>(native_detokenize)},
        {const_cast<char*>("nativeCancel"), const_cast<char*>("(J)V"), reinterpret_cast<void*>(native_cancel)},
        {const_cast<char*>("nativeDeviceName"), const_cast<char*>("(J)[B"), reinterpret_cast<void*>(native_device_name)},
        {const_cast<char*>("nativeValidationMessages"), const_cast<char*>("(J)J"),
         reinterpret_cast<void*>(native_validation_messages)},
        {const_cast<char*>("nativeDestroy"), const_cast<char*>("(J)V"), reinterpret_cast<void*>(native_destroy)},
    };
    if (env->RegisterNatives(cls, methods, sizeof methods / sizeof methods[0]) != JNI_OK) return JNI_ERR;
    return JNI_VERSION_1_6;
}
