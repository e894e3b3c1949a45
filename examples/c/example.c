/* example MODEL PROMPT [MAX_TOKENS]: loads the model, then streams a greedy
 * completion of the prompt to stdout (the prompt first, a newline last), as
 * `vkllm run --greedy --repeat-penalty 1 -q` prints it. Exit status 0, or 1
 * with a message naming the problem on stderr. Built against the installed
 * library: see CMakeLists.txt here, or
 *   cc example.c $(pkg-config --cflags --libs vkllm) -o example */
#include <stdio.h>
#include <stdlib.h>
#include <vkllm/vkllm.h>

static int print_token(void* user, const vkllm_token_event* event) {
    (void)user;
    fwrite(event->text, 1, event->text_length, stdout);
    fflush(stdout);
    return 0; /* nonzero would cancel the request */
}

static int fail(const char* what, vkllm_status status) {
    fprintf(stderr, "example: %s failed (%s): %s\n", what, vkllm_status_name(status), vkllm_last_error());
    return 1;
}

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s MODEL PROMPT [MAX_TOKENS]\n", argv[0]);
        return 2;
    }
    long max_tokens = argc == 4 ? strtol(argv[3], NULL, 10) : 32;
    if (max_tokens < 1 || max_tokens > 1000000) {
        fprintf(stderr, "example: MAX_TOKENS must be a number from 1 to 1000000, not '%s'\n", argv[3]);
        return 2;
    }

    vkllm_engine_options engine_options;
    vkllm_engine_options_init(&engine_options);
    engine_options.model_path = argv[1];
    vkllm_engine* engine = NULL;
    vkllm_status status = vkllm_engine_create(&engine_options, &engine);
    if (status != VKLLM_OK) return fail("loading the model", status);

    vkllm_request_options request_options;
    vkllm_request_options_init(&request_options);
    request_options.prompt = argv[2];
    request_options.max_tokens = (uint32_t)max_tokens;
    request_options.temperature = 0; /* greedy */
    request_options.on_token = print_token;
    vkllm_request* request = NULL;
    status = vkllm_request_submit(engine, &request_options, &request);
    if (status != VKLLM_OK) {
        vkllm_engine_destroy(engine);
        return fail("submitting the prompt", status);
    }

    fputs(argv[2], stdout);
    status = vkllm_request_run(request); /* the tokens arrive in print_token */
    fputs("\n", stdout);
    int exit_status = status == VKLLM_OK ? 0 : fail("generating", status);
    if (exit_status == 0) {
        vkllm_request_stats stats = {sizeof stats};
        if (vkllm_request_get_stats(request, &stats) == VKLLM_OK)
            fprintf(stderr, "example: prompt %u tokens, generated %u tokens in %.3f s\n", stats.prompt_tokens,
                    stats.generated_tokens, stats.prefill_s + stats.decode_s);
    }
    vkllm_request_destroy(request);
    vkllm_engine_destroy(engine);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "example: cannot write the output\n");
        return 1;
    }
    return exit_status;
}
