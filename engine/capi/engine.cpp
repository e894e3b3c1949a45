// vkllm_engine: a model, its tokenizer and a vkllm::Engine on its own device.
#include <cstring>

#include "capi/handles.h"
#include "capi/status.h"
#include "model/model_tokenizer.h"
#include "ops/topk.h"
#include "vk/device.h"
#include "vkllm/error.h"

using namespace vkllm::capi;

namespace {

std::string text_or(const char* s, const char* fallback) { return s && *s ? s : fallback; }

// Calls the caller's progress callback; a nonzero answer stops loading.
void report(vkllm_progress_fn progress, void* user, vkllm_load_stage stage, uint64_t done, uint64_t total) {
    if (progress && progress(user, stage, done, total) != 0) throw Cancelled{};
}

vkllm::EngineOptions engine_options(const vkllm_engine_options& o, const vkllm::tokenizer::Tokenizer& tok) {
    vkllm::EngineOptions e;
    e.device = text_or(o.device, "");
    e.device_limits = text_or(o.device_limits, "");
    e.pipeline_cache_dir = text_or(o.pipeline_cache_dir, "");
    e.weights = text_or(o.weights, "auto");
    e.kv_type = text_or(o.kv_type, "auto");
    e.validation = o.validation != 0;
    e.gpu_timeout_s = o.gpu_timeout_s;
    e.context = o.context;
    e.max_sequences = o.max_sequences;
    e.kv_budget_bytes = o.kv_budget_bytes;
    e.gpu_shortlist = o.gpu_shortlist;
    if (o.step_tokens) e.step_tokens = o.step_tokens;
    e.prefix_cache = o.prefix_cache != 0;
    e.weights_in_place = o.weights_in_place != 0;
    e.tokenizer = &tok;
    if (o.progress)
        e.on_upload_progress = [fn = o.progress, user = o.progress_user](uint64_t done, uint64_t total) {
            report(fn, user, VKLLM_LOAD_UPLOADING, done, total);
        };
    return e;
}

}  // namespace

extern "C" {

void vkllm_engine_options_init(vkllm_engine_options* options) {
    if (!options) return;
    *options = vkllm_engine_options{};
    options->struct_size = sizeof *options;
    const vkllm::EngineOptions defaults;
    options->max_sequences = defaults.max_sequences;
    options->gpu_timeout_s = defaults.gpu_timeout_s;
    options->gpu_shortlist = vkllm::ops::kMaxTopK;
    options->step_tokens = defaults.step_tokens;
    options->prefix_cache = defaults.prefix_cache;
    options->weights_in_place = defaults.weights_in_place;
}

vkllm_status vkllm_engine_create(const vkllm_engine_options* options, vkllm_engine** out) {
    if (!out) return null_argument("vkllm_engine_create", "out");
    *out = nullptr;
    vkllm_engine_options o;
    if (!read_struct(options, o, vkllm_engine_options_init, "vkllm_engine_create: options")) return VKLLM_ERROR_INVALID_ARGUMENT;
    if (!o.model_path || !*o.model_path) return fail(VKLLM_ERROR_INVALID_ARGUMENT, "vkllm_engine_create: options.model_path is empty");
    return guarded([&] {
        report(o.progress, o.progress_user, VKLLM_LOAD_READING, 0, 1);
        vkllm::LoadedModel model = vkllm::load_model(o.model_path);
        const std::string tokenizer_path = text_or(o.tokenizer_path, model.config.tokenizer.c_str());
        if (tokenizer_path.empty())
            throw vkllm::InputError(std::string(o.model_path) + ": the model names no tokenizer; set options.tokenizer_path");
        vkllm::tokenizer::Tokenizer tok = vkllm::load_model_tokenizer(tokenizer_path, model.config);
        report(o.progress, o.progress_user, VKLLM_LOAD_READING, 1, 1);
        auto engine = std::make_unique<vkllm_engine>(vkllm_engine{std::move(model), {std::move(tok)}, nullptr, {}});
        engine->engine = std::make_unique<vkllm::Engine>(engine->model, engine_options(o, engine->tokenizer.tokenizer));
        *out = engine.release();
        return VKLLM_OK;
    });
}

void vkllm_engine_destroy(vkllm_engine* engine) {
    if (!engine) return;
    for (vkllm_request* r : engine->requests) r->engine = nullptr;
    delete engine;
}

vkllm_status vkllm_engine_get_info(vkllm_engine* engine, vkllm_engine_info* info) {
    if (!engine) return null_argument("vkllm_engine_get_info", "engine");
    return guarded([&] {
        vkllm::Engine& e = *engine->engine;
        vkllm_engine_info full{};
        full.struct_size = sizeof full;
        std::strncpy(full.device_name, e.device_name().c_str(), sizeof full.device_name - 1);
        full.context = e.context();
        full.vocab_size = engine->model.config.vocab_size;
        std::strncpy(full.kv_type, e.kv_type().c_str(), sizeof full.kv_type - 1);
        full.kv_bytes_allocated = e.kv_bytes().second;
        full.validation_messages = e.device() ? e.device()->instance().validation_log().count() : 0;
        const vkllm::MemoryUse memory = e.memory();
        full.weight_bytes = memory.weight_bytes;
        full.device_local_bytes = memory.device_local_bytes;
        full.host_visible_bytes = memory.host_visible_bytes;
        full.host_peak_resident_bytes = memory.host_peak_resident_bytes;
        full.weight_in_place_bytes = memory.weight_in_place_bytes;
        return write_struct(info, full, "info") ? VKLLM_OK : VKLLM_ERROR_INVALID_ARGUMENT;
    });
}

vkllm_status vkllm_engine_get_tokenizer(vkllm_engine* engine, const vkllm_tokenizer** out) {
    if (!engine) return null_argument("vkllm_engine_get_tokenizer", "engine");
    if (!out) return null_argument("vkllm_engine_get_tokenizer", "out");
    *out = &engine->tokenizer;
    return VKLLM_OK;
}

vkllm_status vkllm_engine_step(vkllm_engine* engine, int* more) {
    if (!engine) return null_argument("vkllm_engine_step", "engine");
    return guarded([&] {
        apply_cancellations(*engine);
        const bool left = engine->engine->step();
        if (more) *more = left;
        return VKLLM_OK;
    });
}

}  // extern "C"
