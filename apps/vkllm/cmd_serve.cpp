// `vkllm serve`: an OpenAI-compatible HTTP server on the engine (an encoder
// model serves /v1/embeddings only). One engine
// thread owns the Engine (serve/engine_worker.h); HTTP handler threads parse
// requests (serve/openai_request.h), hand them to it and stream the tokens
// back (serve/generation.h). Binds to loopback unless told otherwise and
// prints the URL once it listens. SIGINT / SIGTERM: new requests are refused
// (503), running ones get --shutdown-timeout seconds to finish and are then
// cancelled; the process exits 0.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "chat_family.h"
#include "command.h"
#include "context_options.h"
#include "device_options.h"
#include "environment.h"
#include "model/load.h"
#include "model/model_tokenizer.h"
#include "progress.h"
#include "serve/engine_worker.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/openai_request.h"
#include "ops/topk.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct ServeOptions {
    std::string model;
    std::string model_name;  // empty: the model folder's (or file's) name
    std::string tokenizer;
    std::string template_name;
    std::string host = "127.0.0.1";
    uint32_t port = 8080;
    std::string api_key;
    uint32_t max_concurrent = 8;
    uint32_t queue = 64;
    uint32_t max_n = 8;
    uint32_t context = 0;
    uint32_t max_body_mib = 4;
    double shutdown_timeout_s = 10;
    std::string weights = "auto";
    std::string kv_type = "auto";
    bool quiet = false;
};

std::string served_name(const ServeOptions& o, const std::string& model_path) {
    if (!o.model_name.empty()) return o.model_name;
    std::filesystem::path p(model_path);
    if (p.filename().empty()) p = p.parent_path();
    return p.has_extension() && !std::filesystem::is_directory(p) ? p.stem().string() : p.filename().string();
}

// SIGINT and SIGTERM are blocked in every thread (the engine's and the
// driver's threads inherit the mask) and taken by sigwait() in the main thread.
sigset_t shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

int serve(const ServeOptions& o) {
    const sigset_t signals = shutdown_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client gone away is a failed write, not the end of the server

    const std::string model_path = o.model.empty() ? env::default_model(VKLLM_DEFAULT_MODEL_DIR) : o.model;
    LoadedModel model = load_model(model_path);
    // An encoder (BERT family) serves /v1/embeddings only; without a tokenizer its inputs are token ids.
    const bool encoder = model.config.kind == ModelKind::EncoderOnly;
    const std::string tokenizer_path = o.tokenizer.empty() ? model.config.tokenizer : o.tokenizer;
    if (tokenizer_path.empty() && !encoder) throw InputError(model_path + ": the model names no tokenizer; pass --tokenizer FILE");
    std::optional<tokenizer::Tokenizer> tok;
    if (!tokenizer_path.empty()) tok.emplace(load_model_tokenizer(tokenizer_path, model.config));
    const runtime::ChatFamily family = encoder ? runtime::ChatFamily::None : choose_chat_family(o.template_name, tokenizer_path, *tok);

    EngineOptions options;
    set_device_options(options);
    options.tokenizer = tok ? &*tok : nullptr;
    options.weights = o.weights;
    options.kv_type = o.kv_type;
    options.context = choose_context(model.config, o.context);
    options.max_sequences = encoder ? 1 : o.max_concurrent;  // embed() runs one input at a time
    // Steps whose requests are all greedy or top-k (no log-probabilities) read
    // back only candidates; the others, and any row the candidates cannot decide, whole rows.
    if (!encoder) options.gpu_shortlist = ops::kMaxTopK;
    ProgressBar bar("loading weights", !o.quiet);
    options.on_upload_progress = bar.callback();
    Engine engine(model, options);
    bar.finish();

    serve::ServedModel served;
    served.id = served_name(o, model_path);
    served.context = engine.context();
    served.vocab = model.config.vocab_size;
    served.tokenizer = options.tokenizer;
    served.chat_family = family;
    served.max_n = o.max_n;
    served.encoder = encoder;
    served.embedding_size = engine.embedding_size();
    if (const std::string eot = runtime::ChatTemplate(family).end_of_turn(); !eot.empty() && tok) served.end_of_turn = tok->find_token(eot);

    serve::Metrics metrics;
    serve::EngineWorker worker(engine, {o.max_concurrent, o.queue}, metrics);
    serve::HttpOptions http;
    http.host = o.host;
    http.port = int(o.port);
    http.api_key = o.api_key;
    http.max_body_bytes = size_t(o.max_body_mib) << 20;
    // A thread per connection: every admitted request and as many again to be told 429 or served /metrics.
    http.threads = 2 * (size_t(o.max_concurrent) + o.queue) + 8;
    serve::HttpServer server(served, worker, metrics, http);
    const int port = server.bind();
    std::thread listener([&] { server.run(); });
    const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
    std::fprintf(stderr, "vkllm: serving '%s' (%s, %s, context %u tokens, %u at once, queue %u) on %s at http://%s:%d/\n",
                 served.id.c_str(), model_path.c_str(),
                 encoder ? "encoder: embeddings only" : ("template " + runtime::chat_family_name(family)).c_str(), served.context,
                 o.max_concurrent, o.queue, engine.device_name().c_str(), host.c_str(), port);
    std::fflush(stderr);

    int signal = 0;
    sigwait(&signals, &signal);
    if (!o.quiet) std::fprintf(stderr, "vkllm: %s: finishing running requests (up to %g s), then exiting\n",
                               signal == SIGINT ? "SIGINT" : "SIGTERM", o.shutdown_timeout_s);
    worker.drain(std::chrono::milliseconds(int64_t(o.shutdown_timeout_s * 1000)));
    server.stop();
    listener.join();
    if (!o.quiet) std::fprintf(stderr, "vkllm: server stopped\n");
    return 0;
}

Registration reg{"serve", "OpenAI-compatible HTTP server (chat, completions, embeddings, models, health, metrics)", [](CLI::App& sub) {
                     auto o = std::make_shared<ServeOptions>();
                     sub.add_option("-m,--model", o->model, "TOML config, Hugging Face directory or GGUF file (default: the shipped model)");
                     sub.add_option("--model-name", o->model_name, "Name clients give as \"model\" (default: the model folder's or file's name)");
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("--template", o->template_name, "Chat format: chatml, llama3, llama2, mistral, gemma, none (default: detected)");
                     sub.add_option("--host", o->host, "Address to listen on (loopback unless told otherwise)");
                     sub.add_option("--port", o->port, "Port to listen on (0: any free port; the URL line names it)")->check(CLI::Range(0u, 65535u));
                     sub.add_option("--api-key", o->api_key, "Require Authorization: Bearer KEY on /v1/ routes");
                     sub.add_option("--max-concurrent", o->max_concurrent, "Requests generated at once (the engine's sequences)")->check(CLI::Range(1u, 1024u));
                     sub.add_option("--queue", o->queue, "Requests waiting beyond those; more get 429")->check(CLI::Range(0u, 65536u));
                     sub.add_option("--max-n", o->max_n, "Most choices (n, times prompts) per request")->check(CLI::Range(1u, 128u));
                     sub.add_option("--max-body-mib", o->max_body_mib, "Largest request body in MiB; larger gets 413")->check(CLI::Range(1u, 1024u));
                     sub.add_option("--shutdown-timeout", o->shutdown_timeout_s, "Seconds running requests may take to finish after SIGINT/SIGTERM")->check(CLI::Range(0.0, 3600.0));
                     add_context_option(sub, o->context);
                     add_kv_type_option(sub, o->kv_type);
                     sub.add_option("--weights", o->weights, "Matrix storage on the GPU: auto, f16, f32");
                     sub.add_flag("-q,--quiet", o->quiet, "Only the URL line and errors");
                     add_device_options(sub);
                     return std::function<int()>([o] { return serve(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
