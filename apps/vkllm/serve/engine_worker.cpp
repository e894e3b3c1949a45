#include "engine_worker.h"

#include <algorithm>

#include "api_error.h"
#include "plan/forward.h"
#include "vkllm/error.h"

namespace vkllm::serve {

using Clock = std::chrono::steady_clock;

void Mailbox::push(ChoiceEvent event) {
    {
        std::lock_guard lock(mutex_);
        if ((event.finished != FinishReason::None || !event.error.empty()) && open_ > 0) --open_;
        events_.push_back(std::move(event));
    }
    ready_.notify_all();
}

bool Mailbox::wait(std::vector<ChoiceEvent>& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return false;
    for (ChoiceEvent& e : events_) out.push_back(std::move(e));
    events_.clear();
    return true;
}

bool Mailbox::closed() const {
    std::lock_guard lock(mutex_);
    return open_ == 0;
}

struct EngineWorker::Entry {
    std::shared_ptr<Mailbox> box;
    uint32_t choice = 0;
    Request request;
    uint64_t id = 0;  // the engine's, once submitted
    bool finished = false;
    uint32_t tokens = 0;
    Clock::time_point admitted, last_token;
};

EngineWorker::EngineWorker(Engine& engine, WorkerLimits limits, Metrics& metrics)
    : engine_(engine), limits_(limits), metrics_(metrics) {
    publish_load();
    thread_ = std::thread([this] { loop(); });
}

EngineWorker::~EngineWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::shared_ptr<Mailbox> EngineWorker::submit(std::vector<Request> requests) {
    auto box = std::make_shared<Mailbox>(uint32_t(requests.size()));
    {
        std::lock_guard lock(mutex_);
        admit_capacity(requests.size());
        const auto now = Clock::now();
        for (uint32_t i = 0; i < requests.size(); ++i) {
            auto e = std::make_shared<Entry>();
            e->box = box;
            e->choice = i;
            e->request = std::move(requests[i]);
            e->admitted = now;
            incoming_.push_back(std::move(e));
        }
        outstanding_ += uint32_t(requests.size());
    }
    wake_.notify_all();
    return box;
}

void EngineWorker::admit_capacity(size_t requests) {
    if (failed_) throw ApiError(503, "the engine failed and serves no more requests: " + failure_, "server_error");
    if (draining_ || stopping_) throw ApiError(503, "the server is shutting down", "server_error");
    const uint64_t capacity = uint64_t(limits_.max_running) + limits_.max_queued;
    if (outstanding_ + requests > capacity)
        throw ApiError(429,
                       "the server is at capacity (" + std::to_string(outstanding_) + " of " + std::to_string(capacity) +
                           " requests running or queued; this one needs " + std::to_string(requests) + "); retry later",
                       "rate_limit_exceeded", {}, "queue_full");
}

std::future<std::vector<std::vector<float>>> EngineWorker::embed(std::vector<std::vector<int32_t>> inputs) {
    std::future<std::vector<std::vector<float>>> result;
    {
        std::lock_guard lock(mutex_);
        admit_capacity(1);
        embeds_.push_back({std::move(inputs), {}});
        result = embeds_.back().result.get_future();
        ++outstanding_;
    }
    wake_.notify_all();
    return result;
}

void EngineWorker::run_embeddings(std::vector<EmbedJob>& jobs) {
    for (EmbedJob& job : jobs) {
        try {
            std::vector<std::vector<float>> out;
            uint64_t tokens = 0;
            for (const std::vector<int32_t>& input : job.inputs) {
                out.push_back(engine_.embed(input));
                tokens += input.size();
            }
            metrics_.count_embedded(job.inputs.size(), tokens);
            job.result.set_value(std::move(out));
        } catch (...) {
            job.result.set_exception(std::current_exception());
        }
        {
            std::lock_guard lock(mutex_);
            --outstanding_;
        }
        idle_.notify_all();
    }
}

void EngineWorker::cancel(const std::shared_ptr<Mailbox>& box) {
    {
        std::lock_guard lock(mutex_);
        cancels_.push_back(box);
    }
    wake_.notify_all();
}

void EngineWorker::drain(std::chrono::milliseconds deadline, std::chrono::milliseconds delivery_grace) {
    std::unique_lock lock(mutex_);
    draining_ = true;
    if (!idle_.wait_for(lock, deadline, [&] { return outstanding_ == 0; })) {
        // What is left is cancelled: every running and queued choice.
        for (const auto& e : incoming_) cancels_.push_back(e->box);
        cancels_.push_back(nullptr);  // null: everything
        wake_.notify_all();
        idle_.wait(lock, [&] { return outstanding_ == 0; });
    }
    // Bounded: a client that stopped reading must not hold the shutdown.
    idle_.wait_for(lock, delivery_grace, [&] { return deliveries_ == 0; });
}

EngineWorker::Delivery::Delivery(EngineWorker& worker) : worker_(worker) {
    std::lock_guard lock(worker_.mutex_);
    ++worker_.deliveries_;
}

EngineWorker::Delivery::~Delivery() {
    {
        std::lock_guard lock(worker_.mutex_);
        --worker_.deliveries_;
    }
    worker_.idle_.notify_all();
}

bool EngineWorker::healthy() const {
    std::lock_guard lock(mutex_);
    return !failed_;
}

std::string EngineWorker::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

bool EngineWorker::draining() const {
    std::lock_guard lock(mutex_);
    return draining_;
}

void EngineWorker::on_token(Entry& e, const TokenEvent& event) {
    const auto now = Clock::now();
    if (event.token >= 0 && event.finished != FinishReason::Cancelled) {
        if (e.tokens == 0) metrics_.observe_time_to_first_token(std::chrono::duration<double>(now - e.admitted).count());
        else metrics_.observe_inter_token(std::chrono::duration<double>(now - e.last_token).count());
        ++e.tokens;
        e.last_token = now;
    }
    if (event.finished != FinishReason::None) e.finished = true;
    e.box->push({e.choice, event.token, event.text, event.logprob, event.finished, {}, event.top_logprobs});
}

void EngineWorker::loop() {
    while (true) {
        std::vector<std::shared_ptr<Entry>> arrived;
        std::vector<std::shared_ptr<Mailbox>> cancels;
        std::vector<EmbedJob> embeds;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] {
                return stopping_ || !incoming_.empty() || !cancels_.empty() || !embeds_.empty() || !running_.empty() ||
                       !pending_.empty();
            });
            if (stopping_) {
                for (EmbedJob& job : embeds_)
                    job.result.set_exception(std::make_exception_ptr(ApiError(503, "the server is shutting down", "server_error")));
                return;
            }
            arrived.swap(incoming_);
            cancels.swap(cancels_);
            embeds.swap(embeds_);
        }
        run_embeddings(embeds);
        for (auto& e : arrived) pending_.push_back(std::move(e));
        const bool all = std::find(cancels.begin(), cancels.end(), nullptr) != cancels.end();
        auto cancelled = [&](const Entry& e) { return all || std::find(cancels.begin(), cancels.end(), e.box) != cancels.end(); };
        if (!cancels.empty()) {
            for (auto it = pending_.begin(); it != pending_.end();) {
                if (!cancelled(**it)) {
                    ++it;
                    continue;
                }
                (*it)->box->push({(*it)->choice, -1, {}, 0, FinishReason::Cancelled, {}});
                metrics_.count_cancelled();
                it = pending_.erase(it);
                std::lock_guard lock(mutex_);
                --outstanding_;
            }
            try {
                for (auto& [id, e] : running_)
                    if (!e->finished && cancelled(*e)) engine_.cancel(id);
            } catch (const std::exception& ex) {
                fail_all(ex.what());
            }
        }
        admit();
        if (!running_.empty()) step();
        sweep();
        publish_load();
    }
}

namespace {
// Whether two choices of one HTTP request complete the same prompt: the
// request parser (openai_request.cpp, add_choices) makes a request's choices
// from one template, differing only in prompt, token budget and seed.
bool same_completion(const Request& a, const Request& b) { return a.prompt == b.prompt && a.max_tokens == b.max_tokens; }
}  // namespace

void EngineWorker::admit() {
    while (running_.size() < limits_.max_running && !pending_.empty()) {
        // The choices of one request that complete one prompt (n > 1) go in as
        // one engine request: its prompt runs once and the completions fork
        // its KV blocks (Request::n), each with its own seed.
        std::vector<std::shared_ptr<Entry>> group{std::move(pending_.front())};
        pending_.pop_front();
        while (running_.size() + group.size() < limits_.max_running && !pending_.empty() &&
               pending_.front()->box == group[0]->box && same_completion(group[0]->request, pending_.front()->request)) {
            group.push_back(std::move(pending_.front()));
            pending_.pop_front();
        }
        Request request = group[0]->request;
        request.n = uint32_t(group.size());
        request.seeds.clear();
        if (group.size() > 1)
            for (const auto& e : group) request.seeds.push_back(e->request.sampling.seed);
        // Completion i reports under the first id + i.
        auto members = std::make_shared<std::vector<Entry*>>();
        for (const auto& e : group) members->push_back(e.get());
        auto first_id = std::make_shared<uint64_t>(0);
        try {
            *first_id = engine_.submit(request, [this, members, first_id](const TokenEvent& ev) {
                on_token(*(*members)[ev.request - *first_id], ev);
            });
            for (size_t i = 0; i < group.size(); ++i) {
                group[i]->id = *first_id + i;
                running_[group[i]->id] = std::move(group[i]);
            }
        } catch (const std::exception& ex) {  // checked before admission; an engine refusal still ends the choices
            for (const auto& e : group)
                e->box->push({e->choice, -1, {}, 0, FinishReason::None, std::string("the engine refused the request: ") + ex.what()});
            std::lock_guard lock(mutex_);
            outstanding_ -= uint32_t(group.size());
        }
    }
}

void EngineWorker::step() {
    try {
        engine_.step();
        const StepStats& stats = engine_.last_step();
        metrics_.count_prefill(stats.prefill_tokens, stats.cached_tokens);
        metrics_.count_sampled_rows(stats.shortlist_rows, stats.whole_rows_fetched);
    } catch (const std::exception& ex) {
        fail_all(ex.what());
    }
}

void EngineWorker::sweep() {
    uint32_t done = 0;
    for (auto it = running_.begin(); it != running_.end();) {
        Entry& e = *it->second;
        if (!e.finished) {
            ++it;
            continue;
        }
        try {
            const RequestResult& r = engine_.result(e.id);
            metrics_.count_tokens(e.request.prompt.size(), r.timings.generated);
            if (r.reason == FinishReason::Cancelled) metrics_.count_cancelled();
            engine_.forget(e.id);
        } catch (const std::exception&) {  // the engine's record is gone already; nothing to free
        }
        it = running_.erase(it);
        ++done;
    }
    if (done) {
        {
            std::lock_guard lock(mutex_);
            outstanding_ -= done;
        }
        idle_.notify_all();
    }
}

void EngineWorker::fail_all(const std::string& message) {
    for (auto& [id, e] : running_)
        if (!e->finished) e->box->push({e->choice, -1, {}, 0, FinishReason::None, "the engine failed: " + message});
    for (auto& e : pending_) e->box->push({e->choice, -1, {}, 0, FinishReason::None, "the engine failed: " + message});
    const uint32_t n = uint32_t(running_.size() + pending_.size());
    running_.clear();
    pending_.clear();
    {
        std::lock_guard lock(mutex_);
        failed_ = true;
        failure_ = message;
        outstanding_ -= n;
        for (auto& e : incoming_) e->box->push({e->choice, -1, {}, 0, FinishReason::None, "the engine failed: " + message});
        outstanding_ -= uint32_t(incoming_.size());
        incoming_.clear();
    }
    idle_.notify_all();
}

void EngineWorker::publish_load() {
    LoadGauges g;
    g.running = uint32_t(running_.size());
    {
        std::lock_guard lock(mutex_);
        g.queued = uint32_t(pending_.size() + incoming_.size());
    }
    if (const kv::KvCache* cache = engine_.kv_cache()) {
        const kv::KvUsage u = cache->usage();
        g.kv_blocks_used = u.blocks_used;
        g.kv_blocks_free = u.blocks_total - u.blocks_used;
        g.kv_blocks_cached = u.blocks_cached;
    }
    if (plan::GpuForward* f = engine_.gpu_forward()) {
        g.programs_held = uint32_t(f->program_count());
        g.programs_recorded = f->programs_recorded();
    }
    metrics_.set_load(g);
}

}  // namespace vkllm::serve
