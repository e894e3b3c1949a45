#ifndef VKLLM_VKLLM_H
#define VKLLM_VKLLM_H
/*
 * vkllm's C API: the engine behind a plain C ABI, for applications in any
 * language (C, or Java/Kotlin through bindings/android's JNI layer).
 *
 *   vkllm_engine_options eo;
 *   vkllm_engine_options_init(&eo);
 *   eo.model_path = "models/default";
 *   vkllm_engine* engine;
 *   if (vkllm_engine_create(&eo, &engine) != VKLLM_OK) { puts(vkllm_last_error()); ... }
 *
 *   vkllm_request_options ro;
 *   vkllm_request_options_init(&ro);
 *   ro.prompt = "And God said";
 *   ro.max_tokens = 32;
 *   ro.on_token = print_piece;            // or leave it NULL and call vkllm_request_poll
 *   vkllm_request* request;
 *   vkllm_request_submit(engine, &ro, &request);
 *   vkllm_request_run(request);           // steps the engine until this request finishes
 *   vkllm_request_destroy(request);
 *   vkllm_engine_destroy(engine);
 *
 * Errors. Every call that can fail returns a vkllm_status; VKLLM_OK (0) is
 * success. On failure vkllm_last_error() gives a message that names the
 * problem and where (a file, a field, a token id). No C++ exception leaves
 * the library.
 *
 * ABI growth. Structs passed in or filled in begin with `size_t struct_size`,
 * which the caller sets to sizeof the struct it was compiled with (the *_init
 * functions do it). A newer library reads only the fields an older caller
 * knows, and fills in only those; fields a newer caller adds that this
 * library does not know are ignored. Fields are only ever appended. A struct
 * the library hands to a callback (vkllm_token_event) carries the library's
 * struct_size: read a field only when struct_size covers it.
 *
 * Threads. The library keeps no global state but the per-thread last-error
 * message (and the Vulkan loader, opened once on first use).
 *   - One engine and the requests submitted to it are used by one thread at a
 *     time: calls on an engine or its requests must not overlap (serialise
 *     them, e.g. one "engine thread"). Different engines may be used on
 *     different threads at once.
 *   - vkllm_request_cancel() is the exception: it may be called from any
 *     thread at any time while the request handle is alive (before
 *     vkllm_request_destroy); it takes effect before the next step.
 *   - Callbacks (token, progress) run on the thread that made the call that
 *     runs them (vkllm_engine_step, vkllm_request_run, vkllm_request_poll,
 *     vkllm_request_destroy of an unfinished request, vkllm_engine_create).
 *     They must not call into the same engine, except vkllm_request_cancel.
 *   - A tokenizer is read-only once made: vkllm_tokenize and friends may be
 *     called on one tokenizer from several threads at once.
 *   - vkllm_last_error() is per thread: it reports the last failed call made
 *     on the calling thread.
 *
 * Strings are UTF-8. Strings the library returns stay valid as documented at
 * each call; copy them to keep them.
 *
 * Files and environment. The library reads the files it is given (model,
 * tokenizer, pipeline-cache folder) and nothing else: no environment
 * variables, no home folder, no /proc. The Vulkan loader is opened at run time
 * (libvulkan.so.1 on Linux, libvulkan.so on Android) through volk, so the
 * library does not link it.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VKLLM_API __attribute__((visibility("default")))
#else
#define VKLLM_API
#endif

/* ------------------------------------------------------------------ status */

typedef enum vkllm_status {
    VKLLM_OK = 0,
    VKLLM_ERROR_INVALID_ARGUMENT = 1, /* a null handle or pointer, a struct_size too small, a bad enum value */
    VKLLM_ERROR_INPUT = 2,            /* bad input: model or tokenizer file, prompt, sampling parameter, token id */
    VKLLM_ERROR_DEVICE = 3,           /* the Vulkan device or driver cannot do it (no loader, no device, lost, out of device memory) */
    VKLLM_ERROR_OUT_OF_MEMORY = 4,    /* host memory */
    VKLLM_ERROR_BUFFER_TOO_SMALL = 5, /* the output did not fit; the size it needs is reported */
    VKLLM_ERROR_CANCELLED = 6,        /* a progress callback asked to stop loading */
    VKLLM_ERROR_ENGINE_GONE = 7,      /* the request's engine was destroyed first */
    VKLLM_ERROR_INTERNAL = 8          /* any other failure (the message says what) */
} vkllm_status;

/* The message of the last call on this thread that did not return VKLLM_OK;
 * "" when there was none. Valid until the next failing call on this thread. */
VKLLM_API const char* vkllm_last_error(void);
/* "ok", "invalid argument", "input", ... (a static string; "unknown" for other values). */
VKLLM_API const char* vkllm_status_name(vkllm_status status);

/* The library's version (the project's, also the shared library's VERSION) as "MAJOR.MINOR.PATCH", and as numbers. */
VKLLM_API const char* vkllm_version_string(void);
VKLLM_API void vkllm_version(uint32_t* major, uint32_t* minor, uint32_t* patch);

/* ----------------------------------------------------------------- devices */

typedef enum vkllm_device_type {
    VKLLM_DEVICE_OTHER = 0,
    VKLLM_DEVICE_INTEGRATED = 1,
    VKLLM_DEVICE_DISCRETE = 2,
    VKLLM_DEVICE_VIRTUAL = 3,
    VKLLM_DEVICE_CPU = 4
} vkllm_device_type;

typedef struct vkllm_device_info {
    size_t struct_size;
    uint32_t index;                /* what vkllm_engine_options.device takes, as decimal text */
    char name[256];                /* NUL-terminated */
    vkllm_device_type type;
    uint32_t vendor_id, device_id;
    uint32_t api_version;          /* Vulkan's packed version */
    uint64_t device_local_bytes;   /* device-local memory */
    int unified_memory;            /* every device-local heap is host-visible too (integrated GPUs) */
    uint32_t subgroup_size;
    int fp16;                      /* shaderFloat16 */
} vkllm_device_info;

/* Lists the Vulkan devices: writes min(capacity, total) entries to `infos`
 * (each entry's struct_size set by the caller, all the same) and the total to
 * *count. infos may be NULL when capacity is 0. */
VKLLM_API vkllm_status vkllm_list_devices(vkllm_device_info* infos, uint32_t capacity, uint32_t* count);

/* --------------------------------------------------------------- tokenizer */

typedef struct vkllm_tokenizer vkllm_tokenizer;

/* A tokenizer.json (or a folder holding one) or a GGUF file's tokenizer,
 * without a model or a GPU. Free it with vkllm_tokenizer_destroy. */
VKLLM_API vkllm_status vkllm_tokenizer_load(const char* path, vkllm_tokenizer** out);
VKLLM_API void vkllm_tokenizer_destroy(vkllm_tokenizer* tokenizer);

/* Encodes `length` bytes of `text` (add_special: with the tokenizer's BOS/EOS
 * policy). Writes up to `capacity` ids and the number of ids to *count; when
 * they do not fit, returns VKLLM_ERROR_BUFFER_TOO_SMALL with *count the number
 * needed (call again with that capacity). */
VKLLM_API vkllm_status vkllm_tokenize(const vkllm_tokenizer* tokenizer, const char* text, size_t length, int add_special,
                                      int32_t* tokens, size_t capacity, size_t* count);
/* Decodes ids to text into `buffer` (NUL-terminated); *length gets the text's
 * length without the NUL. Needs capacity >= length + 1, else
 * VKLLM_ERROR_BUFFER_TOO_SMALL with *length set. An id outside the
 * vocabulary is VKLLM_ERROR_INPUT. */
VKLLM_API vkllm_status vkllm_detokenize(const vkllm_tokenizer* tokenizer, const int32_t* tokens, size_t count,
                                        int skip_special, char* buffer, size_t capacity, size_t* length);
/* The bytes one token decodes to (may be part of a UTF-8 character), as vkllm_detokenize fills a buffer. */
VKLLM_API vkllm_status vkllm_token_to_piece(const vkllm_tokenizer* tokenizer, int32_t token, char* buffer,
                                            size_t capacity, size_t* length);

typedef struct vkllm_tokenizer_info {
    size_t struct_size;
    uint32_t vocab_size;
    int32_t bos;  /* -1: none */
    int32_t eos;  /* -1: none */
} vkllm_tokenizer_info;
VKLLM_API vkllm_status vkllm_tokenizer_get_info(const vkllm_tokenizer* tokenizer, vkllm_tokenizer_info* info);

/* ------------------------------------------------------------------ engine */

typedef struct vkllm_engine vkllm_engine;

typedef enum vkllm_load_stage {
    VKLLM_LOAD_READING = 0,   /* model and tokenizer files are read and checked (done/total: 0/1, then 1/1) */
    VKLLM_LOAD_UPLOADING = 1  /* weights go to the device (done/total: bytes) */
} vkllm_load_stage;

/* Return nonzero to stop loading: vkllm_engine_create then returns VKLLM_ERROR_CANCELLED. */
typedef int (*vkllm_progress_fn)(void* user, vkllm_load_stage stage, uint64_t done, uint64_t total);

typedef struct vkllm_engine_options {
    size_t struct_size;
    const char* model_path;          /* TOML config, Hugging Face folder or GGUF file (required) */
    const char* tokenizer_path;      /* NULL: the one the model names */
    const char* device;              /* NULL or "": the best; else an index or part of the device's name */
    const char* device_limits;       /* NULL: none; else a weaker-device override, as VKLLM_DEVICE_LIMITS in the README */
    const char* pipeline_cache_dir;  /* NULL: no pipeline cache kept; Android: the app's cache folder (Context.getCacheDir) */
    const char* weights;             /* NULL: "auto"; "f16", "f32" */
    const char* kv_type;             /* NULL: "auto"; "f32", "f16", "q8_0", "q4_0" */
    uint32_t context;                /* most tokens a sequence may hold; 0: the model's, as far as device memory allows */
    uint32_t max_sequences;          /* requests generated at once (default 1) */
    uint64_t kv_budget_bytes;        /* 0: `context` tokens of every sequence */
    uint32_t gpu_shortlist;          /* candidates a greedy/top-k request reads back from the GPU (default 256; 0: whole rows) */
    int validation;                  /* enable the Khronos validation layer (its messages: vkllm_engine_info.validation_messages) */
    double gpu_timeout_s;            /* seconds a submission may run before it counts as hung (default 600) */
    vkllm_progress_fn progress;      /* NULL: none */
    void* progress_user;
    uint32_t step_tokens;            /* token budget of one scheduler step (decodes + prompt chunks); 0: 64 */
    int prefix_cache;                /* reuse cached KV blocks of earlier prompts (default 1) */
    /* Unified memory (integrated GPUs, phones): the GPU reads matrices where the
     * mapped model file holds them, nothing copied (default 1). The file must then
     * stay unchanged while the engine lives: truncating it faults the process. */
    int weights_in_place;
} vkllm_engine_options;

/* Sets every field to its default and struct_size to sizeof(vkllm_engine_options). */
VKLLM_API void vkllm_engine_options_init(vkllm_engine_options* options);
/* Loads the model and its tokenizer, makes the device and uploads the weights. */
VKLLM_API vkllm_status vkllm_engine_create(const vkllm_engine_options* options, vkllm_engine** out);
/* Frees the engine (NULL: nothing). Requests not yet destroyed stay valid as
 * handles but every call on them but vkllm_request_destroy returns
 * VKLLM_ERROR_ENGINE_GONE. */
VKLLM_API void vkllm_engine_destroy(vkllm_engine* engine);

typedef struct vkllm_engine_info {
    size_t struct_size;
    char device_name[256];
    uint32_t context;              /* most tokens a sequence may hold */
    uint32_t vocab_size;           /* the model's */
    char kv_type[16];              /* the KV cache's element type */
    uint64_t kv_bytes_allocated;
    uint64_t validation_messages;  /* messages the validation layer reported so far (0 without validation) */
    /* Memory now (a caller built against an older header, with a smaller struct_size, gets only the fields it knows): */
    uint64_t weight_bytes;              /* the weights on the device */
    uint64_t device_local_bytes;        /* every live buffer in device-local memory */
    uint64_t host_visible_bytes;        /* every other live buffer (staging, readback) */
    uint64_t host_peak_resident_bytes;  /* the process's peak resident set; 0 where unknown */
    uint64_t weight_in_place_bytes;     /* of weight_bytes: read where the mapped model file holds them (unified memory) */
} vkllm_engine_info;
VKLLM_API vkllm_status vkllm_engine_get_info(vkllm_engine* engine, vkllm_engine_info* info);
/* The engine's tokenizer (valid as long as the engine). */
VKLLM_API vkllm_status vkllm_engine_get_tokenizer(vkllm_engine* engine, const vkllm_tokenizer** out);

/* One scheduler step over every unfinished request (token callbacks run
 * inside). *more (may be NULL) gets 1 while any request has work left. */
VKLLM_API vkllm_status vkllm_engine_step(vkllm_engine* engine, int* more);

/* ---------------------------------------------------------------- requests */

typedef struct vkllm_request vkllm_request;

typedef enum vkllm_finish_reason {
    VKLLM_FINISH_NONE = 0,       /* still running */
    VKLLM_FINISH_LENGTH = 1,     /* max_tokens generated */
    VKLLM_FINISH_EOS = 2,        /* the tokenizer's end-of-sequence token */
    VKLLM_FINISH_STOP = 3,       /* a stop string or stop token */
    VKLLM_FINISH_CONTEXT = 4,    /* the sequence filled the context */
    VKLLM_FINISH_CANCELLED = 5   /* vkllm_request_cancel, or a token callback returned nonzero */
} vkllm_finish_reason;

typedef struct vkllm_token_event {
    size_t struct_size;
    uint64_t request_id;
    int32_t token;                /* -1: none (the request finished without a new token) */
    const char* text;             /* the text this token completes (NUL-terminated, may be ""); valid until the callback returns / the next poll */
    size_t text_length;
    float logprob;                /* with vkllm_request_options.logprobs */
    vkllm_finish_reason finished; /* VKLLM_FINISH_NONE but on the request's last event */
} vkllm_token_event;

/* Return nonzero to cancel the request (it finishes with VKLLM_FINISH_CANCELLED before the next step). */
typedef int (*vkllm_token_fn)(void* user, const vkllm_token_event* event);

typedef struct vkllm_request_options {
    size_t struct_size;
    const char* prompt;                 /* UTF-8 text, encoded with the tokenizer's BOS; unused when prompt_tokens is set */
    const int32_t* prompt_tokens;       /* NULL: use `prompt` */
    size_t prompt_token_count;
    uint32_t max_tokens;                /* default 16 */
    /* Sampling: penalties, then greedy or temperature, top-k, top-p, min-p, the draw. */
    float temperature;                  /* default 1; 0 (or less): greedy */
    int32_t top_k;                      /* 0: all (default) */
    float top_p;                        /* 1: off (default) */
    float min_p;                        /* 0: off (default) */
    float repetition_penalty;           /* 1: off (default) */
    float frequency_penalty;            /* 0: off (default) */
    float presence_penalty;             /* 0: off (default) */
    uint64_t seed;                      /* same seed, same text (default 0) */
    const char* const* stop;            /* stop strings: the request ends once its text contains one (kept in the text) */
    size_t stop_count;
    int ignore_eos;                     /* keep generating past the tokenizer's EOS */
    int logprobs;                       /* fill vkllm_token_event.logprob */
    vkllm_token_fn on_token;            /* NULL: events are queued for vkllm_request_poll */
    void* on_token_user;
} vkllm_request_options;

/* Sets every field to its default and struct_size to sizeof(vkllm_request_options). */
VKLLM_API void vkllm_request_options_init(vkllm_request_options* options);
/* Queues a request (returns at once; nothing is computed until a step).
 * A bad prompt or parameter is VKLLM_ERROR_INPUT naming it. */
VKLLM_API vkllm_status vkllm_request_submit(vkllm_engine* engine, const vkllm_request_options* options,
                                            vkllm_request** out);
/* Steps the engine until this request has finished (other requests advance too). */
VKLLM_API vkllm_status vkllm_request_run(vkllm_request* request);
/* Pull-style streaming, for a request submitted without on_token: the next
 * event into *event (its text valid until the next call on this request),
 * stepping the engine when none is queued. *got is 0 once the request has
 * finished and every event was taken. */
VKLLM_API vkllm_status vkllm_request_poll(vkllm_request* request, vkllm_token_event* event, int* got);
/* Ends the request before the next step (any thread; see Threads above). */
VKLLM_API vkllm_status vkllm_request_cancel(vkllm_request* request);

typedef struct vkllm_request_stats {
    size_t struct_size;
    uint64_t id;
    vkllm_finish_reason finish_reason;
    uint32_t prompt_tokens;         /* tokens of the prompt */
    uint32_t cached_prompt_tokens;  /* of those, taken from the prefix cache */
    uint32_t generated_tokens;      /* new tokens, including a final EOS or stop token */
    double queued_s;                /* submit to the first step that computed its tokens */
    double prefill_s;               /* that step to the first new token */
    double decode_s;                /* first to last new token */
} vkllm_request_stats;
VKLLM_API vkllm_status vkllm_request_get_stats(vkllm_request* request, vkllm_request_stats* stats);
/* The text generated so far, as vkllm_detokenize fills a buffer. */
VKLLM_API vkllm_status vkllm_request_get_text(vkllm_request* request, char* buffer, size_t capacity, size_t* length);
/* Frees the request (NULL: nothing); an unfinished one is cancelled first. */
VKLLM_API void vkllm_request_destroy(vkllm_request* request);

#ifdef __cplusplus
}
#endif
#endif /* VKLLM_VKLLM_H */
