#include "http_server.h"

#include <sys/socket.h>

#include <chrono>

#include "api_error.h"
#include "chat_page.h"
#include "generation.h"
#include "openai_response.h"
#include "vkllm/error.h"

namespace vkllm::serve {
namespace {

using json = nlohmann::json;

void send_error(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

void send(httplib::Response& res, const ApiError& e) {
    if (e.status() == 429) res.set_header("Retry-After", "1");
    send_error(res, e.status(), e.body());
}

// The label a response is counted under: the known routes, else "other".
std::string route_label(const std::string& path) {
    for (const char* known : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/health", "/metrics", "/"})
        if (path == known) return known;
    return "other";
}

const char* status_type(int status) {
    if (status == 401) return "authentication_error";
    if (status == 404) return "not_found_error";
    if (status == 413) return "invalid_request_error";
    if (status >= 500) return "server_error";
    return "invalid_request_error";
}

}  // namespace

HttpServer::HttpServer(const ServedModel& model, EngineWorker& worker, Metrics& metrics, HttpOptions options)
    : model_(model), worker_(worker), metrics_(metrics), options_(std::move(options)) {
    const size_t threads = options_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_keep_alive_timeout(5);
    server_.set_read_timeout(30);
    server_.set_write_timeout(30);
    server_.set_socket_options([this](int socket) {
        httplib::default_socket_options(socket);
        listen_socket_ = socket;
    });
    routes();
}

void HttpServer::routes() {
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (options_.api_key.empty() || req.path.rfind("/v1/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
        const std::string auth = req.get_header_value("Authorization");
        if (auth == "Bearer " + options_.api_key) return httplib::Server::HandlerResponse::Unhandled;
        send_error(res, 401,
                   error_body(auth.empty() ? "this server needs an API key: send Authorization: Bearer KEY"
                                           : "the API key is not valid",
                              "authentication_error", {}, "invalid_api_key"));
        return httplib::Server::HandlerResponse::Handled;
    });
    // Statuses the library answers itself (413, 404, 400 for a bad request line) get an error body too.
    server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        std::string message = "HTTP " + std::to_string(res.status);
        if (res.status == 404) message = "no route " + req.method + " " + req.path;
        if (res.status == 413) message = "the request body is larger than the server's limit";
        send_error(res, res.status, error_body(message, status_type(res.status)));
    });
    server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            message = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        send_error(res, 500, error_body(message, "server_error"));
    });
    server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        metrics_.count_response(route_label(req.path), res.status);
    });

    auto generation = [this](bool chat) {
        return [this, chat](const httplib::Request& req, httplib::Response& res) {
            try {
                const json body = parse_body(req.body);
                GenerationSpec spec = chat ? parse_chat_request(body, model_) : parse_completion_request(body, model_);
                respond_generation(std::move(spec), model_, worker_, req, res);
            } catch (const ApiError& e) {
                send(res, e);
            } catch (const InputError& e) {  // a refusal from a tokenizer or template
                send(res, ApiError(400, e.what()));
            }
        };
    };
    server_.Post("/v1/chat/completions", generation(true));
    server_.Post("/v1/completions", generation(false));
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
        try {
            EmbeddingSpec spec = parse_embedding_request(parse_body(req.body), model_);
            const std::vector<std::vector<float>> vectors = worker_.embed(spec.inputs).get();
            res.set_content(dump(embeddings_json(model_.id, vectors, spec.base64, spec.prompt_tokens)), "application/json");
        } catch (const ApiError& e) {
            send(res, e);
        } catch (const InputError& e) {  // the engine refused an input
            send(res, ApiError(400, e.what(), "invalid_request_error", "input"));
        }
    });
    server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        const json m = {{"id", model_.id}, {"object", "model"}, {"created", 0}, {"owned_by", "vkllm"},
                        {"context_length", model_.context}};
        res.set_content(dump({{"object", "list"}, {"data", json::array({m})}}), "application/json");
    });
    server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        if (!worker_.healthy())
            return send_error(res, 503, {{"status", "error"}, {"message", worker_.failure()}});
        if (worker_.draining()) return send_error(res, 503, {{"status", "shutting down"}});
        res.set_content(dump({{"status", "ok"}}), "application/json");
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics_.prometheus(), "text/plain; version=0.0.4");
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(chat_page_html(), "text/html; charset=utf-8"); });
}

int HttpServer::bind() {
    int port = options_.port;
    if (port == 0) port = server_.bind_to_any_port(options_.host);
    else if (!server_.bind_to_port(options_.host, port)) port = -1;
    if (port < 0)
        throw InputError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         " (in use, not an address of this machine, or not allowed)");
    // httplib listens with a backlog of 5: a burst of clients connecting at
    // once (hundreds, all legitimate) would overflow it, and their connects
    // would wait on SYN retransmits until they time out. Listening again on
    // the bound socket raises the backlog (capped by net.core.somaxconn).
    if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
    return port;
}

void HttpServer::run() { server_.listen_after_bind(); }
void HttpServer::stop() { server_.stop(); }

}  // namespace vkllm::serve
