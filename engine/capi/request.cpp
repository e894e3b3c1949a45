// Requests: submit, step until done or poll event by event, cancel, stats.
#include "capi/handles.h"
#include "capi/status.h"
#include "vkllm/error.h"

using namespace vkllm::capi;

namespace vkllm::capi {

vkllm_finish_reason finish_reason(FinishReason reason) {
    switch (reason) {
        case FinishReason::None: return VKLLM_FINISH_NONE;
        case FinishReason::Length: return VKLLM_FINISH_LENGTH;
        case FinishReason::Eos: return VKLLM_FINISH_EOS;
        case FinishReason::StopToken:
        case FinishReason::StopString: return VKLLM_FINISH_STOP;
        case FinishReason::ContextFull: return VKLLM_FINISH_CONTEXT;
        case FinishReason::Cancelled: return VKLLM_FINISH_CANCELLED;
    }
    return VKLLM_FINISH_NONE;
}

void apply_cancellations(vkllm_engine& engine) {
    for (vkllm_request* r : engine.requests)
        if (r->cancel_requested.load() && !engine.engine->finished(r->id)) engine.engine->cancel(r->id);
}

}  // namespace vkllm::capi

namespace {

vkllm::Request make_request(const vkllm_request_options& o) {
    vkllm::Request r;
    if (o.prompt_tokens) {
        r.prompt.assign(o.prompt_tokens, o.prompt_tokens + o.prompt_token_count);
    } else {
        if (!o.prompt || !*o.prompt) throw vkllm::InputError("the request has no prompt: set prompt or prompt_tokens");
        r.text = o.prompt;
    }
    r.max_tokens = o.max_tokens;
    r.sampling.temperature = o.temperature;
    r.sampling.top_k = o.top_k;
    r.sampling.top_p = o.top_p;
    r.sampling.min_p = o.min_p;
    r.sampling.repetition_penalty = o.repetition_penalty;
    r.sampling.frequency_penalty = o.frequency_penalty;
    r.sampling.presence_penalty = o.presence_penalty;
    r.sampling.seed = o.seed;
    if (o.stop_count > 0 && !o.stop) throw vkllm::InputError("stop_count is " + std::to_string(o.stop_count) + " but stop is NULL");
    for (size_t i = 0; i < o.stop_count; ++i) {
        if (!o.stop[i] || !*o.stop[i]) throw vkllm::InputError("stop string " + std::to_string(i) + " is NULL or empty");
        r.stop.emplace_back(o.stop[i]);
    }
    r.stop_at_eos = o.ignore_eos == 0;
    r.logprobs = o.logprobs != 0;
    return r;
}

// An engine event, to the request's callback or into its queue for polling.
void deliver(vkllm_request& r, const vkllm::TokenEvent& e) {
    const vkllm_finish_reason finished = finish_reason(e.finished);
    if (!r.on_token) {
        r.queue.push_back({e.token, e.text, e.logprob, finished});
        return;
    }
    const vkllm_token_event event{sizeof event, e.request, e.token, e.text.c_str(), e.text.size(), e.logprob, finished};
    if (r.on_token(r.on_token_user, &event) != 0 && finished == VKLLM_FINISH_NONE) r.cancel_requested = true;
}

vkllm_status engine_gone(const char* function) {
    return fail(VKLLM_ERROR_ENGINE_GONE, std::string(function) + ": the request's engine was destroyed before it");
}

// Steps the engine until `done` says so or no request has work left.
template <typename Done>
void step_until(vkllm_request& r, Done done) {
    vkllm_engine& engine = *r.engine;
    while (!done()) {
        apply_cancellations(engine);
        if (done() || !engine.engine->step()) return;
    }
}

}  // namespace

extern "C" {

void vkllm_request_options_init(vkllm_request_options* options) {
    if (!options) return;
    *options = vkllm_request_options{};
    options->struct_size = sizeof *options;
    const vkllm::Request defaults;
    options->max_tokens = defaults.max_tokens;
    options->temperature = defaults.sampling.temperature;
    options->top_k = defaults.sampling.top_k;
    options->top_p = defaults.sampling.top_p;
    options->min_p = defaults.sampling.min_p;
    options->repetition_penalty = defaults.sampling.repetition_penalty;
    options->frequency_penalty = defaults.sampling.frequency_penalty;
    options->presence_penalty = defaults.sampling.presence_penalty;
    options->seed = defaults.sampling.seed;
}

vkllm_status vkllm_request_submit(vkllm_engine* engine, const vkllm_request_options* options, vkllm_request** out) {
    if (!engine) return null_argument("vkllm_request_submit", "engine");
    if (!out) return null_argument("vkllm_request_submit", "out");
    *out = nullptr;
    vkllm_request_options o;
    if (!read_struct(options, o, vkllm_request_options_init, "vkllm_request_submit: options")) return VKLLM_ERROR_INVALID_ARGUMENT;
    return guarded([&] {
        auto request = std::make_unique<vkllm_request>();
        request->engine = engine;
        request->on_token = o.on_token;
        request->on_token_user = o.on_token_user;
        vkllm_request* r = request.get();
        r->id = engine->engine->submit(make_request(o), [r](const vkllm::TokenEvent& e) { deliver(*r, e); });
        engine->requests.insert(r);
        *out = request.release();
        return VKLLM_OK;
    });
}

vkllm_status vkllm_request_run(vkllm_request* request) {
    if (!request) return null_argument("vkllm_request_run", "request");
    if (!request->engine) return engine_gone("vkllm_request_run");
    return guarded([&] {
        step_until(*request, [&] { return request->engine->engine->finished(request->id); });
        return VKLLM_OK;
    });
}

vkllm_status vkllm_request_poll(vkllm_request* request, vkllm_token_event* event, int* got) {
    if (!request) return null_argument("vkllm_request_poll", "request");
    if (!event) return null_argument("vkllm_request_poll", "event");
    if (!got) return null_argument("vkllm_request_poll", "got");
    if (!request->engine) return engine_gone("vkllm_request_poll");
    *got = 0;
    return guarded([&] {
        step_until(*request, [&] { return !request->queue.empty() || request->engine->engine->finished(request->id); });
        if (request->queue.empty()) return VKLLM_OK;
        vkllm_queued_event e = std::move(request->queue.front());
        request->queue.pop_front();
        request->polled_text = std::move(e.text);
        const vkllm_token_event full{sizeof full,  request->id, e.token, request->polled_text.c_str(), request->polled_text.size(),
                                     e.logprob,    e.finished};
        if (!write_struct(event, full, "event")) return VKLLM_ERROR_INVALID_ARGUMENT;
        *got = 1;
        return VKLLM_OK;
    });
}

vkllm_status vkllm_request_cancel(vkllm_request* request) {
    if (!request) return null_argument("vkllm_request_cancel", "request");
    request->cancel_requested = true;  // only the flag: this may run on any thread
    return VKLLM_OK;
}

vkllm_status vkllm_request_get_stats(vkllm_request* request, vkllm_request_stats* stats) {
    if (!request) return null_argument("vkllm_request_get_stats", "request");
    if (!request->engine) return engine_gone("vkllm_request_get_stats");
    return guarded([&] {
        const vkllm::RequestResult& r = request->engine->engine->result(request->id);
        vkllm_request_stats full{};
        full.struct_size = sizeof full;
        full.id = request->id;
        full.finish_reason = finish_reason(r.reason);
        full.prompt_tokens = r.timings.prompt_tokens;
        full.cached_prompt_tokens = r.timings.cached_prompt_tokens;
        full.generated_tokens = r.timings.generated;
        full.queued_s = r.timings.queued_s;
        full.prefill_s = r.timings.prefill_s;
        full.decode_s = r.timings.decode_s;
        return write_struct(stats, full, "stats") ? VKLLM_OK : VKLLM_ERROR_INVALID_ARGUMENT;
    });
}

vkllm_status vkllm_request_get_text(vkllm_request* request, char* buffer, size_t capacity, size_t* length) {
    if (!request) return null_argument("vkllm_request_get_text", "request");
    if (!request->engine) return engine_gone("vkllm_request_get_text");
    return guarded([&] { return copy_text(request->engine->engine->result(request->id).text, buffer, capacity, length); });
}

void vkllm_request_destroy(vkllm_request* request) {
    if (!request) return;
    if (vkllm_engine* engine = request->engine) {
        try {
            vkllm::Engine& e = *engine->engine;
            if (!e.finished(request->id)) e.cancel(request->id);  // finishes it at once (its callback hears it)
            e.forget(request->id);
        } catch (...) {
            // Nothing to report from a destructor; the engine keeps a finished record at worst.
        }
        engine->requests.erase(request);
    }
    delete request;
}

}  // extern "C"
