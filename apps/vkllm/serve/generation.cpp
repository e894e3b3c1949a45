#include "generation.h"

#include <chrono>

#include "api_error.h"
#include "connection_probe.h"
#include "openai_response.h"

namespace vkllm::serve {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// How long a stream waits for tokens before it writes an SSE comment, which
// finds a client that went away while its request was queued or prefilling.
constexpr auto kProbeInterval = std::chrono::milliseconds(250);
constexpr auto kWaitSlice = std::chrono::milliseconds(50);
constexpr auto kWholeWaitSlice = std::chrono::milliseconds(10);

struct Answer {
    GenerationSpec spec;
    ResponseHead head;
    std::shared_ptr<Mailbox> box;
    std::vector<ChoiceText> choices;
    EngineWorker* worker = nullptr;
    // Taken before the submit and released when the response has been written
    // (the Answer lives as long as the response's content provider).
    std::unique_ptr<EngineWorker::Delivery> delivery;

    uint32_t prompt_index(uint32_t choice) const { return choice / spec.n; }
    bool all_finished() const {
        for (const ChoiceText& c : choices)
            if (!c.finished()) return false;
        return true;
    }
    uint64_t prompt_tokens() const {
        uint64_t n = 0;
        for (uint32_t t : spec.prompt_tokens) n += t;
        return n;
    }
    uint64_t completion_tokens() const {
        uint64_t n = 0;
        for (const ChoiceText& c : choices) n += c.completion_tokens();
        return n;
    }
    json logprobs(const std::vector<TokenLogprob>& entries, uint32_t choice) const {
        if (!spec.logprobs) return nullptr;
        if (spec.endpoint == Endpoint::Chat) return chat_logprobs_json(entries);
        return completion_logprobs_json(entries, spec.echo[prompt_index(choice)].size(), spec.top_logprobs > 0);
    }
};

std::shared_ptr<Answer> admit(GenerationSpec spec, const ServedModel& model, EngineWorker& worker) {
    auto a = std::make_shared<Answer>();
    a->head = make_head(spec.endpoint, model.id);
    a->worker = &worker;
    a->delivery = std::make_unique<EngineWorker::Delivery>(worker);
    for (size_t i = 0; i < spec.requests.size(); ++i) a->choices.emplace_back(spec.stop, spec.logprobs, model.tokenizer);
    std::vector<Request> requests = std::move(spec.requests);
    a->spec = std::move(spec);
    a->box = worker.submit(std::move(requests));
    return a;
}

void respond_whole(const std::shared_ptr<Answer>& a, const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> texts(a->choices.size());
    std::vector<std::vector<TokenLogprob>> logprobs(a->choices.size());
    for (size_t i = 0; i < texts.size(); ++i) texts[i] = a->spec.echo[a->prompt_index(uint32_t(i))];
    // A client that leaves before the answer is whole has its request cancelled
    // (the probe is looked at between waits of a few engine steps).
    const ConnectionProbe probe(req);
    bool left = false;
    while (!a->all_finished()) {
        std::vector<ChoiceEvent> events;
        a->box->wait(events, kWholeWaitSlice);
        if (!left && probe.closed()) {
            left = true;
            a->worker->cancel(a->box);
        }
        for (const ChoiceEvent& e : events) {
            ChoiceUpdate u = a->choices[e.choice].apply(e);
            texts[e.choice] += u.text;
            logprobs[e.choice].insert(logprobs[e.choice].end(), u.logprobs.begin(), u.logprobs.end());
        }
    }
    if (left) return;  // nobody to answer
    json choices = json::array();
    for (uint32_t i = 0; i < a->choices.size(); ++i) {
        const ChoiceText& c = a->choices[i];
        if (!c.error().empty()) throw ApiError(500, c.error(), "server_error");
        const json lp = a->logprobs(logprobs[i], i);
        choices.push_back(a->spec.endpoint == Endpoint::Chat ? chat_choice_json(i, texts[i], lp, *c.finish_reason())
                                                             : completion_choice_json(i, texts[i], lp, *c.finish_reason()));
    }
    const json body = response_json(a->spec.endpoint, a->head, std::move(choices),
                                     usage_json(a->prompt_tokens(), a->completion_tokens()));
    res.set_content(dump(body), "application/json");
}

// The stream's state between calls of the content provider.
struct Stream {
    std::shared_ptr<Answer> answer;
    std::unique_ptr<ConnectionProbe> probe;
    bool started = false, ended = false;
    Clock::time_point last_write = Clock::now();
};

// One call of the chunked content provider: what has arrived, written as chunks.
bool pump(Stream& s, httplib::DataSink& sink) {
    Answer& a = *s.answer;
    auto write = [&](const std::string& text) {
        if (!sink.write(text.data(), text.size())) {
            a.worker->cancel(a.box);
            return false;
        }
        s.last_write = Clock::now();
        return true;
    };
    const Endpoint ep = a.spec.endpoint;
    if (!s.started) {  // the chat role (and a completion's echo) open every choice
        s.started = true;
        for (uint32_t i = 0; i < a.choices.size(); ++i) {
            const std::string& echo = a.spec.echo[a.prompt_index(i)];
            if (ep == Endpoint::Chat || !echo.empty())
                if (!write(sse_event(chunk_json(ep, a.head, i, echo, ep == Endpoint::Chat, nullptr, std::nullopt)))) return false;
        }
    }
    if (s.probe->closed()) {
        a.worker->cancel(a.box);
        return false;
    }
    std::vector<ChoiceEvent> events;
    if (!a.box->wait(events, kWaitSlice)) {
        if (Clock::now() - s.last_write >= kProbeInterval) return write(": waiting\n\n");
        return true;
    }
    for (const ChoiceEvent& e : events) {
        ChoiceText& c = a.choices[e.choice];
        ChoiceUpdate u = c.apply(e);
        if (!c.error().empty()) {
            if (!write(sse_event(error_body(c.error(), "server_error")))) return false;
            continue;
        }
        if (u.text.empty() && u.logprobs.empty() && !c.finished()) continue;
        const json lp = u.logprobs.empty() && !c.finished() ? json(nullptr) : a.logprobs(u.logprobs, e.choice);
        if (!write(sse_event(chunk_json(ep, a.head, e.choice, u.text, false, lp, c.finish_reason())))) return false;
    }
    if (a.all_finished()) {
        if (a.spec.include_usage &&
            !write(sse_event(usage_chunk_json(ep, a.head, usage_json(a.prompt_tokens(), a.completion_tokens())))))
            return false;
        if (!write(kSseDone)) return false;
        s.ended = true;
        sink.done();
    }
    return true;
}

}  // namespace

void respond_generation(GenerationSpec spec, const ServedModel& model, EngineWorker& worker, const httplib::Request& req,
                        httplib::Response& res) {
    std::shared_ptr<Answer> answer = admit(std::move(spec), model, worker);
    if (!answer->spec.stream) {
        try {
            respond_whole(answer, req, res);
        } catch (...) {
            worker.cancel(answer->box);
            throw;
        }
        return;
    }
    auto stream = std::make_shared<Stream>();
    stream->answer = answer;
    stream->probe = std::make_unique<ConnectionProbe>(req);
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream", [stream](size_t, httplib::DataSink& sink) { return pump(*stream, sink); },
        [stream](bool) {  // the response is gone: whatever did not finish is cancelled
            if (!stream->answer->box->closed()) stream->answer->worker->cancel(stream->answer->box);
        });
}

}  // namespace vkllm::serve
