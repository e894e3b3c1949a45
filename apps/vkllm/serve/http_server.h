#pragma once
// The HTTP side of `vkllm serve`: routes, the API key, the body size cap,
// OpenAI-shaped errors for every failure, and response counts for /metrics.
//   POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings (refused: no encoder),
//   GET /v1/models, GET /health, GET /metrics, GET / (a chat page).
#include <httplib.h>

#include <memory>
#include <string>

#include "engine_worker.h"
#include "metrics.h"
#include "openai_request.h"

namespace vkllm::serve {

struct HttpOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                     // 0: any free port
    std::string api_key;                 // empty: none asked for
    size_t max_body_bytes = 4u << 20;    // larger bodies get 413
    size_t threads = 16;                 // connections served at once
};

class HttpServer {
public:
    HttpServer(const ServedModel& model, EngineWorker& worker, Metrics& metrics, HttpOptions options);
    // Binds the listening socket; returns the port (InputError when it cannot).
    int bind();
    // Serves until stop().
    void run();
    void stop();

private:
    void routes();
    const ServedModel& model_;
    EngineWorker& worker_;
    Metrics& metrics_;
    HttpOptions options_;
    httplib::Server server_;
    int listen_socket_ = -1;  // the socket server_ binds, seen through its socket-options hook
};

}  // namespace vkllm::serve
