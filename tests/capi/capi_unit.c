/* capi_unit: the C API as a C program sees it, through libvkllm.so: statuses
 * and messages for null handles, bad sizes, a missing model and bad requests;
 * the tokenizer; load progress and its cancellation; polled and streamed
 * generation agreeing with each other; cancellation (by handle and by the
 * callback, and from another thread); per-request stats; a request
 * outliving its engine.
 * Usage: vkllm_capi_unit_test MODEL_DIR (the shipped model). VKLLM_VALIDATION
 * turns on the validation layer; any message it reports fails the test. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vkllm/vkllm.h>

static int failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, #cond, \
                    vkllm_last_error());                                                \
            ++failures;                                                                 \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(call, expected) CHECK((call) == (expected))
#define CHECK_ERROR_MENTIONS(text) CHECK(strstr(vkllm_last_error(), (text)) != NULL)

static const char* model_dir;
static int validation;

static void test_statuses_and_null_handles(void) {
    CHECK(strcmp(vkllm_status_name(VKLLM_OK), "ok") == 0);
    CHECK(strcmp(vkllm_status_name((vkllm_status)999), "unknown") == 0);
    uint32_t major = 9, minor = 9, patch = 9;
    vkllm_version(&major, &minor, &patch);
    char version[64];
    snprintf(version, sizeof version, "%u.%u.%u", major, minor, patch);
    CHECK(strcmp(version, vkllm_version_string()) == 0);

    vkllm_engine* engine = (vkllm_engine*)1;
    CHECK_STATUS(vkllm_engine_create(NULL, &engine), VKLLM_ERROR_INVALID_ARGUMENT);
    CHECK(engine == NULL);
    CHECK_ERROR_MENTIONS("options is NULL");
    CHECK_STATUS(vkllm_request_run(NULL), VKLLM_ERROR_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("vkllm_request_run: request is NULL");
    CHECK_STATUS(vkllm_request_cancel(NULL), VKLLM_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkllm_engine_step(NULL, NULL), VKLLM_ERROR_INVALID_ARGUMENT);
    size_t count = 0;
    CHECK_STATUS(vkllm_tokenize(NULL, "a", 1, 0, NULL, 0, &count), VKLLM_ERROR_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("tokenizer is NULL");
    vkllm_engine_destroy(NULL);  /* no-ops */
    vkllm_request_destroy(NULL);
    vkllm_tokenizer_destroy(NULL);

    vkllm_engine_options options;
    vkllm_engine_options_init(&options);
    options.model_path = model_dir;
    options.struct_size = 0;
    CHECK_STATUS(vkllm_engine_create(&options, &engine), VKLLM_ERROR_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("struct_size is 0");
}

static void test_missing_model(void) {
    vkllm_engine_options options;
    vkllm_engine_options_init(&options);
    options.model_path = "/nonexistent/vkllm-model";
    vkllm_engine* engine = NULL;
    CHECK_STATUS(vkllm_engine_create(&options, &engine), VKLLM_ERROR_INPUT);
    CHECK_ERROR_MENTIONS("/nonexistent/vkllm-model");
    CHECK(engine == NULL);
}

static void test_tokenizer(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer.json", model_dir);
    vkllm_tokenizer* tok = NULL;
    CHECK_STATUS(vkllm_tokenizer_load("/nonexistent/tokenizer.json", &tok), VKLLM_ERROR_INPUT);
    CHECK_ERROR_MENTIONS("/nonexistent/tokenizer.json");
    CHECK_STATUS(vkllm_tokenizer_load(path, &tok), VKLLM_OK);
    if (!tok) return;

    const char* text = "And God said, Let there be light";
    int32_t ids[64];
    size_t count = 0;
    CHECK_STATUS(vkllm_tokenize(tok, text, strlen(text), 0, ids, 64, &count), VKLLM_OK);
    CHECK(count > 3 && count < 64);
    size_t needed = 0;
    CHECK_STATUS(vkllm_tokenize(tok, text, strlen(text), 0, ids, 2, &needed), VKLLM_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed == count);

    char out[256];
    size_t length = 0;
    CHECK_STATUS(vkllm_tokenize(tok, text, strlen(text), 0, ids, 64, &count), VKLLM_OK);
    CHECK_STATUS(vkllm_detokenize(tok, ids, count, 0, out, sizeof out, &length), VKLLM_OK);
    CHECK(length == strlen(text) && strcmp(out, text) == 0);
    CHECK_STATUS(vkllm_detokenize(tok, ids, count, 0, out, 4, &length), VKLLM_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == strlen(text));

    /* The pieces of the ids put together are the text again. */
    char joined[256] = "";
    for (size_t i = 0; i < count; ++i) {
        char piece[64];
        CHECK_STATUS(vkllm_token_to_piece(tok, ids[i], piece, sizeof piece, &length), VKLLM_OK);
        strncat(joined, piece, sizeof joined - strlen(joined) - 1);
    }
    CHECK(strstr(joined, "God said") != NULL);

    vkllm_tokenizer_info info = {sizeof info};
    CHECK_STATUS(vkllm_tokenizer_get_info(tok, &info), VKLLM_OK);
    CHECK(info.vocab_size > 100);
    int32_t bad = (int32_t)info.vocab_size + 5;
    CHECK_STATUS(vkllm_detokenize(tok, &bad, 1, 0, out, sizeof out, &length), VKLLM_ERROR_INPUT);
    CHECK(strlen(vkllm_last_error()) > 0);
    vkllm_tokenizer_destroy(tok);
}

static void test_devices(void) {
    uint32_t count = 0;
    CHECK_STATUS(vkllm_list_devices(NULL, 0, &count), VKLLM_OK);
    CHECK(count >= 1);
    vkllm_device_info infos[8];
    for (int i = 0; i < 8; ++i) infos[i].struct_size = sizeof infos[i];
    CHECK_STATUS(vkllm_list_devices(infos, 8, &count), VKLLM_OK);
    for (uint32_t i = 0; i < count && i < 8; ++i) CHECK(infos[i].index == i && strlen(infos[i].name) > 0);

    /* An older caller's smaller entries: filled up to their size, at their stride. */
    const size_t old_size = offsetof(vkllm_device_info, device_local_bytes);
    unsigned char old[2][sizeof(vkllm_device_info)];
    memset(old, 0xAB, sizeof old);
    ((vkllm_device_info*)old[0])->struct_size = old_size;
    CHECK_STATUS(vkllm_list_devices((vkllm_device_info*)old[0], count >= 2 ? 2 : 1, &count), VKLLM_OK);
    const vkllm_device_info* first = (const vkllm_device_info*)old[0];
    CHECK(first->struct_size == old_size && strcmp(first->name, infos[0].name) == 0);
    CHECK(old[0][(count >= 2 ? 2 : 1) * old_size] == 0xAB);  /* nothing written past the caller's entries */
    if (count >= 2) {
        const vkllm_device_info* second = (const vkllm_device_info*)(old[0] + old_size);
        CHECK(second->index == 1 && strcmp(second->name, infos[1].name) == 0);
    }
}

struct progress {
    int reading, uploading, stop_at_upload;
    uint64_t last_done, last_total;
};

static int on_progress(void* user, vkllm_load_stage stage, uint64_t done, uint64_t total) {
    struct progress* p = user;
    if (stage == VKLLM_LOAD_READING) ++p->reading;
    if (stage == VKLLM_LOAD_UPLOADING) {
        ++p->uploading;
        p->last_done = done;
        p->last_total = total;
        if (p->stop_at_upload) return 1;
    }
    return 0;
}

static vkllm_engine* make_engine(struct progress* progress, int weights_in_place) {
    vkllm_engine_options options;
    vkllm_engine_options_init(&options);
    CHECK(options.weights_in_place == 1);  /* the default */
    options.weights_in_place = weights_in_place;
    options.model_path = model_dir;
    options.validation = validation;
    options.context = 64;
    options.step_tokens = 16;  /* a longer prompt would take several steps */
    options.progress = on_progress;
    options.progress_user = progress;
    vkllm_engine* engine = NULL;
    vkllm_status status = vkllm_engine_create(&options, &engine);
    if (progress->stop_at_upload) {
        CHECK(status == VKLLM_ERROR_CANCELLED && engine == NULL);
        CHECK_ERROR_MENTIONS("cancelled");
        return NULL;
    }
    CHECK(status == VKLLM_OK && engine != NULL);
    return engine;
}

struct collected {
    char text[4096];
    int tokens, stop_after, finished_events;
    vkllm_finish_reason reason;
};

static int collect(void* user, const vkllm_token_event* event) {
    struct collected* c = user;
    strncat(c->text, event->text, sizeof c->text - strlen(c->text) - 1);
    if (event->token >= 0) ++c->tokens;
    if (event->finished != VKLLM_FINISH_NONE) {
        ++c->finished_events;
        c->reason = event->finished;
    }
    return c->stop_after && c->tokens >= c->stop_after;
}

static void greedy_options(vkllm_request_options* o, uint32_t max_tokens) {
    vkllm_request_options_init(o);
    o->prompt = "And God said";
    o->max_tokens = max_tokens;
    o->temperature = 0;
}

static void test_generation(vkllm_engine* engine) {
    /* Polled, with an older caller's struct: fields past `seed` (stop strings,
     * callback) are unknown to it and must be ignored, whatever they hold. */
    vkllm_request_options o;
    greedy_options(&o, 12);
    memset((char*)&o + offsetof(vkllm_request_options, stop), 0xAB, sizeof o - offsetof(vkllm_request_options, stop));
    o.struct_size = offsetof(vkllm_request_options, stop);
    vkllm_request* polled = NULL;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &polled), VKLLM_OK);
    char polled_text[4096] = "";
    int events = 0, tokens = 0;
    vkllm_finish_reason last = VKLLM_FINISH_NONE;
    for (;;) {
        vkllm_token_event e = {sizeof e};
        int got = 0;
        if (vkllm_request_poll(polled, &e, &got) != VKLLM_OK) {
            CHECK(!"poll failed");
            break;
        }
        if (!got) break;
        ++events;
        if (e.token >= 0) ++tokens;
        strncat(polled_text, e.text, sizeof polled_text - strlen(polled_text) - 1);
        last = e.finished;
    }
    CHECK(tokens == 12 && last == VKLLM_FINISH_LENGTH);
    vkllm_request_stats stats = {sizeof stats};
    CHECK_STATUS(vkllm_request_get_stats(polled, &stats), VKLLM_OK);
    CHECK(stats.generated_tokens == 12 && stats.finish_reason == VKLLM_FINISH_LENGTH);
    const vkllm_tokenizer* tok = NULL;
    CHECK_STATUS(vkllm_engine_get_tokenizer(engine, &tok), VKLLM_OK);
    int32_t ids[64];
    size_t count = 0;
    CHECK_STATUS(vkllm_tokenize(tok, "And God said", 12, 1, ids, 64, &count), VKLLM_OK);
    CHECK(stats.prompt_tokens == count);
    CHECK(stats.prefill_s > 0 && stats.decode_s > 0);
    char text[4096];
    size_t length = 0;
    CHECK_STATUS(vkllm_request_get_text(polled, text, sizeof text, &length), VKLLM_OK);
    CHECK(strcmp(text, polled_text) == 0 && length > 0);
    vkllm_request_destroy(polled);

    /* Streamed through the callback: the same text (greedy). */
    greedy_options(&o, 12);
    struct collected c = {0};
    o.on_token = collect;
    o.on_token_user = &c;
    vkllm_request* streamed = NULL;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &streamed), VKLLM_OK);
    CHECK_STATUS(vkllm_request_run(streamed), VKLLM_OK);
    CHECK(strcmp(c.text, polled_text) == 0);
    CHECK(c.tokens == 12 && c.finished_events == 1 && c.reason == VKLLM_FINISH_LENGTH);
    CHECK_STATUS(vkllm_request_get_stats(streamed, &stats), VKLLM_OK);
    CHECK(stats.cached_prompt_tokens <= stats.prompt_tokens);
    vkllm_request_destroy(streamed);
}

static void test_cancel(vkllm_engine* engine) {
    /* The callback stops it after 3 tokens. */
    vkllm_request_options o;
    greedy_options(&o, 40);
    struct collected c = {0};
    c.stop_after = 3;
    o.on_token = collect;
    o.on_token_user = &c;
    vkllm_request* r = NULL;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_run(r), VKLLM_OK);
    vkllm_request_stats stats = {sizeof stats};
    CHECK_STATUS(vkllm_request_get_stats(r, &stats), VKLLM_OK);
    CHECK(stats.finish_reason == VKLLM_FINISH_CANCELLED && stats.generated_tokens == 3);
    CHECK(c.reason == VKLLM_FINISH_CANCELLED && c.finished_events == 1);
    vkllm_request_destroy(r);

    /* Cancelled by handle before any step: nothing generated. */
    greedy_options(&o, 40);
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_cancel(r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_run(r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_get_stats(r, &stats), VKLLM_OK);
    CHECK(stats.finish_reason == VKLLM_FINISH_CANCELLED && stats.generated_tokens == 0);
    vkllm_request_destroy(r);

    /* Destroyed unfinished: cancelled, and the engine goes on serving others. */
    greedy_options(&o, 40);
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_OK);
    int more = 0;
    CHECK_STATUS(vkllm_engine_step(engine, &more), VKLLM_OK);
    vkllm_request_destroy(r);
}

/* Cancelled from another thread while its callback holds the first token. */
struct cross_thread {
    vkllm_request* request;
    atomic_int started, cancelled, tokens;
};

static void* cancel_from_thread(void* user) {
    struct cross_thread* t = user;
    while (!atomic_load(&t->started)) {
    }
    CHECK_STATUS(vkllm_request_cancel(t->request), VKLLM_OK);
    atomic_store(&t->cancelled, 1);
    return NULL;
}

static int hold_first_token(void* user, const vkllm_token_event* event) {
    struct cross_thread* t = user;
    if (event->token < 0) return 0;
    atomic_fetch_add(&t->tokens, 1);
    atomic_store(&t->started, 1);
    while (!atomic_load(&t->cancelled)) {
    }
    return 0;
}

static void test_cancel_from_another_thread(vkllm_engine* engine) {
    struct cross_thread t = {0};
    vkllm_request_options o;
    greedy_options(&o, 40);
    o.on_token = hold_first_token;
    o.on_token_user = &t;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &t.request), VKLLM_OK);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, cancel_from_thread, &t) == 0);
    CHECK_STATUS(vkllm_request_run(t.request), VKLLM_OK);
    pthread_join(thread, NULL);
    vkllm_request_stats stats = {sizeof stats};
    CHECK_STATUS(vkllm_request_get_stats(t.request, &stats), VKLLM_OK);
    CHECK(stats.finish_reason == VKLLM_FINISH_CANCELLED && stats.generated_tokens == 1 && atomic_load(&t.tokens) == 1);
    vkllm_request_destroy(t.request);
}

static void test_bad_requests(vkllm_engine* engine) {
    vkllm_request_options o;
    vkllm_request* r = (vkllm_request*)1;
    greedy_options(&o, 4);
    o.top_p = 1.5f;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_ERROR_INPUT);
    CHECK_ERROR_MENTIONS("top_p");
    CHECK(r == NULL);

    greedy_options(&o, 4);
    int32_t tokens[2] = {1, 1 << 30};
    o.prompt_tokens = tokens;
    o.prompt_token_count = 2;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_ERROR_INPUT);
    CHECK_ERROR_MENTIONS("1073741824");

    greedy_options(&o, 4);
    o.prompt = "";
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_ERROR_INPUT);
    CHECK_ERROR_MENTIONS("no prompt");

    /* A stop string ends it, kept in the text. */
    greedy_options(&o, 24);
    const char* stops[] = {"shalt"};
    o.stop = stops;
    o.stop_count = 1;
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_run(r), VKLLM_OK);
    vkllm_request_stats stop_stats = {sizeof stop_stats};
    CHECK_STATUS(vkllm_request_get_stats(r, &stop_stats), VKLLM_OK);
    char text[1024];
    size_t length = 0;
    CHECK_STATUS(vkllm_request_get_text(r, text, sizeof text, &length), VKLLM_OK);
    CHECK(stop_stats.finish_reason == VKLLM_FINISH_STOP && stop_stats.generated_tokens < 24);
    CHECK(length >= 5 && strcmp(text + length - 5, "shalt") == 0);
    vkllm_request_destroy(r);

    greedy_options(&o, 100);  /* the context is 64 */
    o.prompt = "And God said";
    CHECK_STATUS(vkllm_request_submit(engine, &o, &r), VKLLM_OK);
    CHECK_STATUS(vkllm_request_run(r), VKLLM_OK);
    vkllm_request_stats stats = {sizeof stats};
    CHECK_STATUS(vkllm_request_get_stats(r, &stats), VKLLM_OK);
    CHECK(stats.finish_reason == VKLLM_FINISH_CONTEXT || stats.finish_reason == VKLLM_FINISH_EOS);
    vkllm_request_destroy(r);
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
        return 2;
    }
    model_dir = argv[1];
    const char* v = getenv("VKLLM_VALIDATION");
    validation = v && *v && strcmp(v, "0") != 0;

    test_statuses_and_null_handles();
    test_missing_model();
    test_tokenizer();
    test_devices();

    struct progress stopped = {0};
    stopped.stop_at_upload = 1;
    make_engine(&stopped, 1);
    CHECK(stopped.reading == 2 && stopped.uploading == 1);

    struct progress progress = {0};
    vkllm_engine* engine = make_engine(&progress, 1);
    if (engine) {
        CHECK(progress.reading == 2 && progress.uploading >= 1);
        CHECK(progress.last_done == progress.last_total && progress.last_total > 0);
        vkllm_engine_info info = {sizeof info};
        CHECK_STATUS(vkllm_engine_get_info(engine, &info), VKLLM_OK);
        CHECK(info.context == 64 && info.vocab_size > 100 && strlen(info.device_name) > 0);
        /* Memory: the weights (those not read in place in the model file) and
         * the KV pools are device buffers; the process has a resident set. */
        CHECK(info.weight_bytes > 0 && info.weight_in_place_bytes <= info.weight_bytes);
        CHECK(info.device_local_bytes + info.weight_in_place_bytes >= info.weight_bytes + info.kv_bytes_allocated);
        CHECK(info.host_peak_resident_bytes > 0);
        /* weights_in_place = 0: every weight copied, the same bytes in all. */
        {
            struct progress again = {0};
            vkllm_engine* copied = make_engine(&again, 0);
            if (copied) {
                vkllm_engine_info c = {sizeof c};
                CHECK_STATUS(vkllm_engine_get_info(copied, &c), VKLLM_OK);
                CHECK(c.weight_in_place_bytes == 0 && c.weight_bytes == info.weight_bytes);
                vkllm_engine_destroy(copied);
            }
        }
        /* A caller with the struct of before the memory fields gets only those, and the size it knows. */
        {
            vkllm_engine_info old = {offsetof(vkllm_engine_info, weight_bytes)};
            old.weight_bytes = 12345;
            CHECK_STATUS(vkllm_engine_get_info(engine, &old), VKLLM_OK);
            CHECK(old.struct_size == offsetof(vkllm_engine_info, weight_bytes) && old.weight_bytes == 12345);
            CHECK(old.context == info.context);
        }

        test_generation(engine);
        test_cancel(engine);
        test_cancel_from_another_thread(engine);
        test_bad_requests(engine);

        /* A request that outlives its engine. */
        vkllm_request_options o;
        greedy_options(&o, 4);
        vkllm_request* orphan = NULL;
        CHECK_STATUS(vkllm_request_submit(engine, &o, &orphan), VKLLM_OK);
        CHECK_STATUS(vkllm_engine_get_info(engine, &info), VKLLM_OK);
        if (info.validation_messages != 0) fprintf(stderr, "validation layer messages: %llu\n", (unsigned long long)info.validation_messages);
        CHECK(info.validation_messages == 0);
        vkllm_engine_destroy(engine);
        CHECK_STATUS(vkllm_request_run(orphan), VKLLM_ERROR_ENGINE_GONE);
        CHECK_ERROR_MENTIONS("engine was destroyed");
        vkllm_request_destroy(orphan);
    }
    if (failures) fprintf(stderr, "capi_unit: %d checks failed\n", failures);
    else printf("capi_unit: all checks passed\n");
    return failures ? 1 : 0;
}
