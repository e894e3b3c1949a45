// The engine's one generation loop: requests in, a scheduler step at a time
// through an executor, the sampler per request, tokens and text out.
#include "vkllm/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

#include "kv/kv_cache.h"
#include "kv/kv_type.h"
#include "model/load.h"
#include "ops/topk.h"
#include "runtime/gpu_executor.h"
#include "runtime/pooling.h"
#include "runtime/sampler.h"
#include "runtime/scheduler.h"
#include "runtime/host_memory.h"
#include "runtime/shortlist.h"
#include "runtime/stop_strings.h"
#include "runtime/token_logprobs.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
#include "vk/device.h"
#include "vk/instance.h"
#include "vkllm/error.h"

namespace vkllm {

const char* finish_reason_name(FinishReason reason) {
    switch (reason) {
        case FinishReason::None: return "none";
        case FinishReason::Length: return "length";
        case FinishReason::Eos: return "eos";
        case FinishReason::StopToken: return "stop";
        case FinishReason::StopString: return "stop";
        case FinishReason::ContextFull: return "context";
        case FinishReason::Cancelled: return "interrupted";
    }
    return "none";
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

struct Engine::Impl {
    struct Live {
        Request request;
        TokenCallback on_token;
        uint64_t sequence = 0;
        runtime::Sampler sampler;
        std::optional<tokenizer::StreamDecoder> stream;
        RequestResult result;
        uint32_t prompt_first = 0;  // tokens of the sequence before this request's prompt
        bool done = false, started = false, kept = false;
        // n > 1: the first completion computes the prompt; the others wait to fork from it (sequence 0 until then).
        std::vector<uint64_t> forks;
        Clock::time_point submitted, first_step, first_token, last_token;
        Live(Request r, TokenCallback cb) : request(std::move(r)), on_token(std::move(cb)), sampler(request.sampling) {}
    };

    EngineOptions options;
    uint32_t vocab = 0, model_context = 0;
    bool encoder = false;         // an encoder-only model: embed(), no generation
    uint32_t hidden = 0;
    Pooling pooling = Pooling::Mean;
    std::shared_ptr<vk::Instance> instance;
    std::unique_ptr<vk::Device> own_device;
    vk::Device* device = nullptr;
    std::unique_ptr<runtime::Executor> executor;
    runtime::GpuExecutor* gpu = nullptr;
    runtime::ExecutorLimits limits;
    uint32_t context = 0;
    std::unique_ptr<runtime::Scheduler> scheduler;
    std::map<uint64_t, Live> requests;
    std::map<uint64_t, uint64_t> request_of;  // sequence -> the request that drives it
    uint64_t next_request = 1;
    StepStats last;

    void start(std::unique_ptr<runtime::Executor> e, const ModelConfig& config) {
        encoder = config.kind == ModelKind::EncoderOnly;
        hidden = config.hidden_size;
        pooling = config.pooling;
        executor = std::move(e);
        gpu = dynamic_cast<runtime::GpuExecutor*>(executor.get());
        vocab = config.vocab_size;
        model_context = config.max_position;
        limits = executor->limits();
        if (options.context > config.max_position)
            throw InputError("context " + std::to_string(options.context) + " is more than the model's context of " +
                             std::to_string(config.max_position) + " tokens (max_position of " + config.source_path + ")");
        context = options.context ? std::min(options.context, limits.max_context) : limits.max_context;
        runtime::SchedulerLimits s{limits.slots, limits.step_tokens, limits.block_size, limits.one_sequence_per_step};
        // An executor with a paged KV cache hands it to the scheduler, which owns it from here on.
        if (kv::OwnedCache kv = executor->take_kv_cache(); kv.cache) {
            scheduler = std::make_unique<runtime::Scheduler>(s, std::move(kv), options.prefix_cache);
            return;
        }
        runtime::Executor* ex = executor.get();
        runtime::SharingHooks sharing;
        if (options.prefix_cache)
            sharing.attach_prefix = [ex](uint32_t slot, std::span<const int32_t> t) { return ex->attach_prefix(slot, t); };
        sharing.fork = [ex](uint32_t parent, uint32_t child) { return ex->fork(parent, child); };
        scheduler = std::make_unique<runtime::Scheduler>(
            s, [ex] { return ex->free_blocks(); }, [ex](uint32_t slot) { ex->release(slot); }, std::move(sharing));
    }

    void start_gpu(vk::Device& d, const LoadedModel& model) {
        device = &d;
        plan::ForwardOptions f;
        f.storage = plan::parse_matrix_storage(options.weights);
        f.max_step_tokens = options.step_tokens;
        f.max_sequences = options.max_sequences;
        f.kv_type = kv::parse_cache_type(options.kv_type);
        f.kv_budget_bytes = options.kv_budget_bytes;
        if (f.kv_budget_bytes == 0 && options.context > 0 && options.context < model.config.max_position) {
            // `context` tokens of every sequence, in the bytes of the type the cache will hold.
            const ModelConfig& c = model.config;
            const kv::KvGeometry g{c.num_layers, c.kv_heads(), c.head_size(), f.kv_block_size,
                                   kv::resolve_cache_type(f.kv_type, d.caps().storage_16bit)};
            f.kv_budget_bytes = g.bytes_per_block() * ((uint64_t(options.context) + f.kv_block_size - 1) / f.kv_block_size) *
                                std::max(options.max_sequences, 1u);
        }
        f.profile = options.profile;
        f.prefix_cache = options.prefix_cache;
        f.weights_in_place = options.weights_in_place;
        f.top_k = std::min(options.gpu_shortlist, model.config.vocab_size);
        f.on_upload_progress = options.on_upload_progress;
        start(std::make_unique<runtime::GpuExecutor>(d, model.config, model.weights, f), model.config);
    }

    Live& live(uint64_t id) { return const_cast<Live&>(std::as_const(*this).live(id)); }
    const Live& live(uint64_t id) const {
        auto it = requests.find(id);
        if (it == requests.end()) throw InputError("no request " + std::to_string(id));
        return it->second;
    }

    void emit(Live& l, TokenEvent& event) {
        if (l.on_token) l.on_token(event);
    }

    // The waiting completions of `l` (Request::n) take their own sequences: a
    // fork of its sequence after its prompt ran (`forked`), or a copy of its
    // tokens computed anew (no free slot, an executor that cannot fork, or `l`
    // ended before its prompt did). Each forked one samples from `row` now.
    void start_forks(Live& l, bool forked, const std::function<void(Live&)>& sample) {
        const std::vector<int32_t> tokens = scheduler->tokens(l.sequence);
        for (uint64_t id : std::exchange(l.forks, {})) {
            Live& c = live(id);
            if (c.done) continue;
            const uint64_t sequence = forked ? scheduler->fork(l.sequence) : 0;
            c.sequence = sequence ? sequence : scheduler->add(tokens);
            request_of[c.sequence] = id;
            if (!sequence) continue;
            c.started = true;
            c.first_step = l.first_step;
            c.result.timings.cached_prompt_tokens = c.result.timings.prompt_tokens;
            sample(c);
        }
    }

    void finish(Live& l, FinishReason reason, TokenEvent event) {
        if (!l.forks.empty()) start_forks(l, false, {});
        if (l.stream) {
            std::string tail = l.stream->flush();
            l.result.text += tail;
            event.text += tail;
        }
        l.result.reason = reason;
        const bool waiting_fork = l.sequence == 0;  // a completion that was never forked (cancelled)
        if (!waiting_fork) {
            l.result.context_tokens = scheduler->computed(l.sequence);
            if (const int64_t slot = scheduler->slot(l.sequence); slot >= 0)
                l.result.kv_bytes = scheduler->kv_cache() ? scheduler->kv_cache()->held_bytes(int32_t(slot))
                                                          : executor->held_bytes(uint32_t(slot));
        }
        const auto now = Clock::now();
        RequestTimings& t = l.result.timings;
        if (l.started) t.queued_s = seconds(l.submitted, l.first_step);
        if (t.generated > 0) {
            t.prefill_s = seconds(l.first_step, l.first_token);
            t.decode_s = seconds(l.first_token, l.last_token);
        } else if (l.started) {
            t.prefill_s = seconds(l.first_step, now);
        }
        l.done = true;
        if (waiting_fork) {
        } else if (l.request.keep) {
            scheduler->set_idle(l.sequence, true);
            l.kept = true;
        } else {
            scheduler->remove(l.sequence);
            request_of.erase(l.sequence);
        }
        event.finished = reason;
        emit(l, event);
    }

    void take_token(Live& l, int32_t token, runtime::RowLogprobs logprobs) {
        const auto now = Clock::now();
        RequestTimings& t = l.result.timings;
        if (t.generated == 0) l.first_token = now;
        l.last_token = now;
        ++t.generated;
        l.result.tokens.push_back(token);
        if (l.request.logprobs) l.result.logprobs.push_back(logprobs.chosen);
        if (l.request.top_logprobs > 0) l.result.top_logprobs.push_back(logprobs.top);
        TokenEvent event{0, token, {}, logprobs.chosen, std::move(logprobs.top), FinishReason::None};
        event.request = request_id(l);
        const Request& r = l.request;
        const tokenizer::Tokenizer* tok = options.tokenizer;
        if (r.stop_at_eos && tok && tok->eos_id() && token == *tok->eos_id()) return finish(l, FinishReason::Eos, event);
        if (std::find(r.stop_tokens.begin(), r.stop_tokens.end(), token) != r.stop_tokens.end())
            return finish(l, FinishReason::StopToken, event);
        scheduler->append(l.sequence, std::span<const int32_t>(&token, 1));
        if (l.stream) {
            event.text = l.stream->push(token);
            l.result.text += event.text;
        }
        if (runtime::ends_in_stop(l.result.text, event.text.size(), r.stop)) return finish(l, FinishReason::StopString, event);
        if (t.generated >= r.max_tokens) return finish(l, FinishReason::Length, event);
        if (scheduler->tokens(l.sequence).size() > context) return finish(l, FinishReason::ContextFull, event);
        emit(l, event);
    }

    uint64_t request_id(const Live& l) const { return request_of.at(l.sequence); }

    uint32_t free_blocks() const {
        return scheduler->kv_cache() ? scheduler->kv_cache()->free_blocks() : executor->free_blocks();
    }

    // Every row's logits (or final hidden states) of `tokens` on slot 0 while
    // no request holds a sequence: in steps of the scheduler's cache where it
    // owns one, the executor's own way otherwise; the slot is empty again after.
    std::vector<float> all_rows(const std::vector<int32_t>& tokens) {
        kv::KvCache* cache = scheduler->kv_cache();
        if (!cache) {
            std::vector<float> rows = executor->all_rows(0, tokens, nullptr);
            executor->release(0);
            return rows;
        }
        // Chunks of a step each; the cache frees the slot whatever happens.
        struct Free {
            kv::KvCache& c;
            ~Free() {
                if (c.contains(0)) c.free_sequence(0);
            }
        } free_after{*cache};
        std::vector<float> rows;
        const size_t step = encoder ? tokens.size() : limits.step_tokens;
        for (size_t first = 0; first < tokens.size(); first += step) {
            const std::span<const int32_t> chunk(tokens.data() + first, std::min(step, tokens.size() - first));
            const kv::StepRequest request{0, uint32_t(chunk.size()), chunk};
            const kv::StepInputs inputs = kv::append_step(*cache, std::span(&request, 1), scheduler->kv_table_width());
            const std::vector<kv::BlockCopy> copies = cache->take_copies();
            const runtime::StepKv kv{&inputs, copies};
            std::vector<float> part = executor->all_rows(0, chunk, &kv);
            rows.insert(rows.end(), part.begin(), part.end());
        }
        return rows;
    }

    // Whether `l` can be sampled from a step's candidates alone, as far as its
    // parameters tell (Sampler::shortlist_decides has the last word, once the
    // candidates and the penalties are known).
    bool shortlist_serves(const Live& l) const {
        if (l.request.logprobs) return false;
        const uint32_t k = runtime::shortlist_size(l.request.sampling, ops::kMaxTopK);
        return k > 0 && k <= limits.shortlist;
    }

    // Samples the next token of `l` from its row of the step's output and takes it.
    // `shortlists`: the step's candidates per row, when it read back only those.
    void sample(Live& l, const std::vector<float>& rows, size_t index, const std::vector<runtime::Shortlist>& shortlists) {
        const std::vector<int32_t>& history = scheduler->tokens(l.sequence);
        if (shortlists.empty()) return sample_row(l, std::span<const float>(rows.data() + index * vocab, vocab), history);
        ++last.shortlist_rows;
        const runtime::Shortlist& shortlist = shortlists.at(index);
        if (shortlist_serves(l) && l.sampler.shortlist_decides(shortlist.ids, shortlist.logits, history, vocab))
            return take_token(l, l.sampler.sample_shortlist(shortlist.ids, shortlist.logits, history, vocab), {});
        // The whole row, still on the device: this request samples from the
        // whole distribution or wants log-probabilities, or its penalties reach past the candidates.
        ++last.whole_rows_fetched;
        sample_row(l, executor->shortlist_row(index), history);
    }

    void sample_row(Live& l, std::span<const float> row, const std::vector<int32_t>& history) {
        const int32_t token = l.sampler.sample(row, history);
        runtime::RowLogprobs logprobs;
        if (l.request.logprobs) logprobs = runtime::row_logprobs(row, token, l.request.top_logprobs);
        take_token(l, token, std::move(logprobs));
    }

    // A step reads back candidates when at least half of its sampling requests
    // can use them (or it samples nothing); the others' rows then come back one
    // by one, which beats reading every row of the step while they are the
    // minority. Otherwise every row comes back whole.
    bool use_shortlist(const runtime::StepPlan& plan) {
        if (limits.shortlist == 0) return false;
        uint32_t sampling = 0, served = 0;
        for (const runtime::StepItem& item : plan.items) {
            if (!item.samples) continue;
            ++sampling;
            served += shortlist_serves(requests.at(request_of.at(item.sequence)));
        }
        return 2 * served >= sampling;
    }

    bool step() {
        if (!scheduler->has_work()) return false;
        const auto t0 = Clock::now();
        runtime::StepPlan plan = scheduler->schedule();
        for (uint64_t s : plan.preempted)
            if (auto it = request_of.find(s); it != request_of.end()) ++live(it->second).result.timings.preemptions;
        if (plan.items.empty())
            throw Error("the KV cache cannot hold the waiting requests (" + std::to_string(free_blocks()) +
                        " free blocks)");
        std::vector<runtime::ExecutorItem> items;
        last = StepStats{};
        for (const runtime::StepItem& item : plan.items) {
            const std::vector<int32_t>& tokens = scheduler->tokens(item.sequence);
            items.push_back({item.slot, std::span<const int32_t>(tokens.data() + item.first, item.count)});
            Live& l = live(request_of.at(item.sequence));
            if (!l.started) {
                l.started = true;
                l.first_step = t0;
            }
            const bool decode = item.count == 1 && item.first >= l.prompt_first + l.result.timings.prompt_tokens;
            (decode ? last.decode_tokens : last.prefill_tokens) += item.count;
            // Cached tokens of this request's prompt (a continued sequence's own history is not its prompt).
            const uint32_t cached = item.first > l.prompt_first ? std::min(item.cached, item.first - l.prompt_first) : 0;
            last.cached_tokens += cached;
            l.result.timings.cached_prompt_tokens += cached;
        }
        last.sequences = uint32_t(items.size());
        std::vector<float> rows;
        std::vector<runtime::Shortlist> shortlists;
        const runtime::StepKv kv{&plan.kv, plan.copies};
        const runtime::StepKv* step_kv = scheduler->kv_cache() ? &kv : nullptr;
        if (use_shortlist(plan)) shortlists = executor->step_shortlists(items, step_kv);
        else rows = executor->step(items, step_kv);
        scheduler->step_ran(plan);
        last.wall_s = seconds(t0, Clock::now());
        if (gpu)
            for (const auto& t : gpu->forward().last_timings()) last.gpu.push_back({t.label, t.microseconds});
        for (size_t i = 0; i < plan.items.size(); ++i) {
            if (!plan.items[i].samples) continue;
            Live& l = live(request_of.at(plan.items[i].sequence));
            // The prompt has run: the other completions fork here, before this one's token joins the sequence.
            if (!l.forks.empty()) start_forks(l, true, [&](Live& c) { sample(c, rows, i, shortlists); });
            sample(l, rows, i, shortlists);
        }
        return true;
    }
};

Engine::Engine(const LoadedModel& model, EngineOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    const EngineOptions& o = impl_->options;
    vk::InstanceOptions io;
    io.validation = o.validation;
    impl_->instance = std::make_shared<vk::Instance>(io);
    vk::DeviceOptions d;
    d.selector = o.device;
    d.profile = o.device_profile;
    d.limits = o.device_limits;
    d.submit_timeout_s = o.gpu_timeout_s;
    d.pipeline_cache_dir = o.pipeline_cache_dir;
    impl_->own_device = std::make_unique<vk::Device>(impl_->instance, d);
    impl_->start_gpu(*impl_->own_device, model);
}

Engine::Engine(vk::Device& device, const LoadedModel& model, EngineOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->start_gpu(device, model);
}

Engine::Engine(std::unique_ptr<runtime::Executor> executor, const ModelConfig& config, EngineOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->start(std::move(executor), config);
}

Engine::~Engine() = default;

uint64_t Engine::submit(Request request, TokenCallback on_token) {
    Impl& m = *impl_;
    if (m.encoder) throw InputError("an encoder-only model does not generate text (embed() gives its embeddings)");
    if (request.top_logprobs > kMaxTopLogprobs)
        throw InputError("top_logprobs " + std::to_string(request.top_logprobs) + " is more than the limit of " +
                         std::to_string(kMaxTopLogprobs));
    if (request.top_logprobs > 0 && !request.logprobs) throw InputError("top_logprobs needs logprobs");
    if (request.prompt.empty() && !request.text.empty()) {
        if (!m.options.tokenizer) throw InputError("a text prompt needs a tokenizer (EngineOptions::tokenizer)");
        request.prompt = m.options.tokenizer->encode(request.text, request.continues == 0);
    }
    if (request.prompt.empty()) throw InputError("the request has no prompt tokens");
    if (request.max_tokens == 0) throw InputError("max_tokens must be at least 1");
    for (int32_t id : request.prompt)
        if (id < 0 || uint32_t(id) >= m.vocab)
            throw InputError("token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                             std::to_string(m.vocab));
    if (!request.stop.empty() && !m.options.tokenizer) throw InputError("stop strings need a tokenizer (EngineOptions::tokenizer)");
    if (request.n == 0) throw InputError("n (completions of the prompt) must be at least 1");
    if (request.n > 1 && request.keep) throw InputError("a request with n > 1 completions cannot keep its sequence");
    if (!request.seeds.empty() && request.seeds.size() != request.n)
        throw InputError(std::to_string(request.seeds.size()) + " seeds for n = " + std::to_string(request.n) +
                         " completions; give one seed per completion or none");
    Impl::Live* previous = nullptr;
    uint64_t existing = 0;
    if (request.continues) {
        previous = &m.live(request.continues);
        if (!previous->kept) throw InputError("request " + std::to_string(request.continues) + " kept no sequence to continue");
        existing = m.scheduler->tokens(previous->sequence).size();
    }
    const uint64_t needed = existing + request.prompt.size() + 1;
    if (needed > m.context)
        throw InputError("the prompt (" + std::to_string(existing + request.prompt.size()) + " tokens) and one new token need " +
                         std::to_string(needed) + " tokens, more than the context of " + std::to_string(m.context) + " tokens");
    const uint64_t id = m.next_request;
    m.next_request += request.n;
    const uint32_t n = request.n;
    for (uint32_t i = 1; i < n; ++i) {
        Request child = request;
        child.sampling.seed = request.seeds.empty() ? request.sampling.seed + i : request.seeds[i];
        Impl::Live& c = m.requests.try_emplace(id + i, std::move(child), on_token).first->second;
        c.submitted = Clock::now();
        if (m.options.tokenizer) c.stream.emplace(*m.options.tokenizer, true);
        c.result.timings.prompt_tokens = uint32_t(c.request.prompt.size());
        c.prompt_first = uint32_t(existing);
    }
    if (!request.seeds.empty()) request.sampling.seed = request.seeds[0];
    Impl::Live& l = m.requests.try_emplace(id, std::move(request), std::move(on_token)).first->second;
    for (uint32_t i = 1; i < n; ++i) l.forks.push_back(id + i);
    l.submitted = Clock::now();
    if (m.options.tokenizer) l.stream.emplace(*m.options.tokenizer, true);
    l.result.timings.prompt_tokens = uint32_t(l.request.prompt.size());
    if (previous) {
        l.sequence = previous->sequence;
        previous->kept = false;
        l.prompt_first = uint32_t(existing);
        m.scheduler->append(l.sequence, l.request.prompt);
        m.scheduler->set_idle(l.sequence, false);
    } else {
        l.sequence = m.scheduler->add(l.request.prompt);
    }
    m.request_of[l.sequence] = id;
    return id;
}

bool Engine::step() { return impl_->step(); }

void Engine::run_until_done() {
    while (impl_->step()) {
    }
}

void Engine::cancel(uint64_t request) {
    Impl::Live& l = impl_->live(request);
    if (l.done) return;
    TokenEvent event{request, -1, {}, 0, {}, FinishReason::None};
    impl_->finish(l, FinishReason::Cancelled, event);
}

void Engine::release(uint64_t request) {
    Impl::Live& l = impl_->live(request);
    if (!l.kept) return;
    impl_->scheduler->remove(l.sequence);
    impl_->request_of.erase(l.sequence);
    l.kept = false;
}

void Engine::forget(uint64_t request) {
    Impl::Live& l = impl_->live(request);
    if (!l.done) throw InputError("request " + std::to_string(request) + " has not finished; cancel it before forgetting it");
    release(request);
    impl_->requests.erase(request);
}

bool Engine::finished(uint64_t request) const { return impl_->live(request).done; }

const RequestResult& Engine::result(uint64_t request) const { return impl_->live(request).result; }

std::pair<uint32_t, uint32_t> Engine::prompt_progress(uint64_t request) const {
    const Impl::Live& l = impl_->live(request);
    const uint32_t total = l.result.timings.prompt_tokens;
    if (l.done && !l.kept) return {total, total};
    if (l.sequence == 0) return {0, total};  // a completion waiting to fork
    const uint32_t computed = impl_->scheduler->computed(l.sequence);
    const uint32_t done = computed > l.prompt_first ? computed - l.prompt_first : 0;
    return {std::min(done, total), total};
}

uint32_t Engine::sequence_tokens(uint64_t request) const {
    const Impl::Live& l = impl_->live(request);
    if (!l.kept) return 0;
    return uint32_t(impl_->scheduler->tokens(l.sequence).size());
}

std::vector<float> Engine::score(const std::vector<int32_t>& tokens) {
    Impl& m = *impl_;
    if (m.scheduler->sequences() != 0) throw Error("score() runs only while no request holds a sequence");
    if (tokens.empty()) throw InputError("nothing to score");
    if (tokens.size() > m.context)
        throw InputError(std::to_string(tokens.size()) + " tokens exceed the context of " + std::to_string(m.context));
    return m.all_rows(tokens);
}

std::vector<float> Engine::embed(const std::vector<int32_t>& tokens) {
    Impl& m = *impl_;
    if (!m.encoder) throw InputError("embed() needs an encoder-only model; this one generates text");
    if (tokens.empty()) throw InputError("nothing to embed: no tokens");
    for (int32_t id : tokens)
        if (id < 0 || uint32_t(id) >= m.vocab)
            throw InputError("token id " + std::to_string(id) + " is outside the model's vocabulary of " + std::to_string(m.vocab));
    if (tokens.size() > m.context)
        throw InputError(std::to_string(tokens.size()) + " tokens exceed the context of " + std::to_string(m.context) + " tokens");
    std::vector<float> rows = m.all_rows(tokens);
    return runtime::pool_embedding(rows, uint32_t(tokens.size()), m.hidden, m.pooling);
}

bool Engine::embeds() const { return impl_->encoder; }
uint32_t Engine::embedding_size() const { return impl_->encoder ? impl_->hidden : 0; }

uint32_t Engine::context() const { return impl_->context; }
uint32_t Engine::max_context() const { return impl_->limits.max_context; }
std::string Engine::device_name() const { return impl_->executor->name(); }
uint64_t Engine::preemptions() const { return impl_->scheduler->preemptions(); }
const StepStats& Engine::last_step() const { return impl_->last; }

const kv::KvCache* Engine::kv_cache() const { return impl_->scheduler->kv_cache(); }

std::pair<uint64_t, uint64_t> Engine::kv_bytes() const {
    const kv::KvCache* cache = kv_cache();
    if (!cache) return {0, 0};
    const kv::KvUsage u = cache->usage();
    return {u.bytes_used, u.bytes_total};
}

MemoryUse Engine::memory() const {
    MemoryUse m;
    m.host_peak_resident_bytes = runtime::host_peak_resident_bytes();
    if (!impl_->gpu) return m;
    m.weight_bytes = impl_->gpu->forward().weight_bytes();
    m.weight_in_place_bytes = impl_->gpu->forward().weight_in_place_bytes();
    m.kv_bytes = kv_bytes().second;
    if (!impl_->device) return m;
    const vk::Device::MemoryInUse in_use = impl_->device->memory_in_use();
    m.device_local_bytes = in_use.device_local;
    m.host_visible_bytes = in_use.host;
    return m;
}

std::string Engine::kv_type() const {
    return impl_->gpu ? dtype_traits(impl_->gpu->forward().kv_type()).name : "none";
}

uint32_t Engine::kv_blocks_used() const { return kv_cache() ? kv_cache()->usage().blocks_used : 0; }
vk::Device* Engine::device() { return impl_->device; }
plan::GpuForward* Engine::gpu_forward() { return impl_->gpu ? &impl_->gpu->forward() : nullptr; }

}  // namespace vkllm
