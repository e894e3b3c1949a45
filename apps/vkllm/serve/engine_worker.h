#pragma once
// The engine thread: it alone owns the Engine (which is single-threaded) and
// runs submit / step / cancel / forget on it. HTTP handler threads hand it
// requests through a locked queue and get their tokens back through a
// Mailbox, one per HTTP request (all its choices), with a condition variable.
//
// Admission: at most `max_running` engine requests run at once (the engine's
// sequences); up to `max_queued` more wait here. A request whose choices do
// not all fit is refused whole (429). Every admitted choice ends with exactly
// one finishing event (or an error event if the engine fails), and its record
// is dropped from the engine once finished, so nothing is kept per request.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"
#include "vkllm/engine.h"

namespace vkllm::serve {

struct ChoiceEvent {
    uint32_t choice = 0;
    int32_t token = -1;  // -1: none
    std::string text;
    float logprob = 0;
    FinishReason finished = FinishReason::None;
    std::string error;   // non-empty: the engine failed and this choice ends without a result
    std::vector<TokenAlternative> top;  // the most likely tokens at this step (Request::top_logprobs)
};

class Mailbox {
public:
    explicit Mailbox(uint32_t choices) : open_(choices) {}
    // Engine thread.
    void push(ChoiceEvent event);
    // Handler thread: waits up to `timeout` for events and moves them to `out`; false when none came.
    bool wait(std::vector<ChoiceEvent>& out, std::chrono::milliseconds timeout);
    // Every choice has delivered its finishing (or error) event.
    bool closed() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<ChoiceEvent> events_;
    uint32_t open_;
};

struct WorkerLimits {
    uint32_t max_running = 8;
    uint32_t max_queued = 64;
};

class EngineWorker {
public:
    EngineWorker(Engine& engine, WorkerLimits limits, Metrics& metrics);
    ~EngineWorker();
    EngineWorker(const EngineWorker&) = delete;
    EngineWorker& operator=(const EngineWorker&) = delete;

    // Admits all the requests (the choices of one HTTP request) or none:
    // ApiError 429 with a retry hint when they do not fit, 503 while draining
    // or after an engine failure.
    std::shared_ptr<Mailbox> submit(std::vector<Request> requests);
    // Encoder models: the embeddings of the inputs (Engine::embed), computed
    // on the engine thread between steps; one admitted request for the
    // capacity check (429 / 503 as submit). The future throws the engine's
    // InputError for an input it refuses.
    std::future<std::vector<std::vector<float>>> embed(std::vector<std::vector<int32_t>> inputs);
    // Ends every choice of the mailbox that has not finished (between steps).
    void cancel(const std::shared_ptr<Mailbox>& box);
    // Refuses new requests, waits up to `deadline` for the admitted ones to
    // finish, cancels the rest and waits for their finishing events, then up
    // to `delivery_grace` for the answers still being written to clients.
    void drain(std::chrono::milliseconds deadline, std::chrono::milliseconds delivery_grace = std::chrono::seconds(5));

    // Held by an HTTP answer from before its submit until its last byte is
    // written: a stream the engine has ended still owes its client the final
    // chunks, and stopping the HTTP server before they go out would cut the
    // response short. drain() waits for these.
    class Delivery {
    public:
        explicit Delivery(EngineWorker& worker);
        ~Delivery();
        Delivery(const Delivery&) = delete;
        Delivery& operator=(const Delivery&) = delete;

    private:
        EngineWorker& worker_;
    };
    // False after an engine failure (the message says what failed).
    bool healthy() const;
    std::string failure() const;
    bool draining() const;

private:
    struct Entry;
    struct EmbedJob {
        std::vector<std::vector<int32_t>> inputs;
        std::promise<std::vector<std::vector<float>>> result;
    };
    void admit_capacity(size_t requests);  // under mutex_: throws 503 / 429
    void run_embeddings(std::vector<EmbedJob>& jobs);
    void loop();
    void admit();
    void step();
    void sweep();
    void fail_all(const std::string& message);
    void publish_load();
    void on_token(Entry& entry, const TokenEvent& event);

    Engine& engine_;
    const WorkerLimits limits_;
    Metrics& metrics_;

    // Shared with the handler threads, under mutex_.
    mutable std::mutex mutex_;
    std::condition_variable wake_;      // the engine thread: work arrived
    std::condition_variable idle_;      // drain(): outstanding or deliveries fell
    std::vector<std::shared_ptr<Entry>> incoming_;
    std::vector<std::shared_ptr<Mailbox>> cancels_;
    std::vector<EmbedJob> embeds_;
    uint32_t outstanding_ = 0;          // admitted choices not yet finished
    uint32_t deliveries_ = 0;           // live Delivery objects
    bool stopping_ = false, draining_ = false, failed_ = false;
    std::string failure_;

    // The engine thread's own.
    std::deque<std::shared_ptr<Entry>> pending_;
    std::map<uint64_t, std::shared_ptr<Entry>> running_;
    std::thread thread_;
};

}  // namespace vkllm::serve
