#include "throughput_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "common/parse_number.h"
#include "context_options.h"
#include "device_options.h"
#include "model/load.h"
#include "progress.h"
#include "ops/topk.h"
#include "runtime/shortlist.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Range {
    uint32_t lo = 0, hi = 0;
};

Range parse_range(const std::string& text, const char* option) {
    const size_t dash = text.find('-');
    const auto lo = parse_unsigned(std::string_view(text).substr(0, dash));
    const auto hi = dash == std::string::npos ? lo : parse_unsigned(std::string_view(text).substr(dash + 1));
    if (!lo || !hi || *lo == 0 || *hi < *lo || *hi > (1u << 24))
        throw InputError(std::string(option) + " '" + text + "' is not a length N or a range A-B with 1 <= A <= B");
    return {uint32_t(*lo), uint32_t(*hi)};
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t at = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
    return v[at];
}

std::string sampling_name(const runtime::SamplingParams& p) {
    if (p.greedy()) return "greedy";
    char text[96];
    std::snprintf(text, sizeof text, "temperature %g, top-k %d, top-p %g", p.temperature, p.top_k, p.top_p);
    return text;
}

}  // namespace

int run_throughput(const ThroughputOptions& o) {
    const Range prompt_len = parse_range(o.prompt_len, "--prompt-len"), gen_len = parse_range(o.gen_len, "--gen-len");
    if (o.rate < 0) throw InputError("--rate must be >= 0 requests per second (0: all at once)");
    announce("bench: loading " + o.model, !o.json);
    LoadedModel model = load_model(o.model);
    const ModelConfig& c = model.config;
    require_fits_context(uint64_t(prompt_len.hi) + gen_len.hi, c.max_position,
                         "--prompt-len " + o.prompt_len + " plus --gen-len " + o.gen_len, "shorten them");

    EngineOptions options;
    set_device_options(options);
    options.weights = o.storage;
    options.step_tokens = std::min(o.step_tokens, c.max_position);
    options.max_sequences = std::min(o.max_sequences, options.step_tokens);
    // Every request samples alike: steps read back as many GPU candidates as
    // that sampling can pick from (one when greedy, as `vkllm run --greedy`),
    // or whole rows where it needs the whole distribution.
    runtime::SamplingParams sampling;
    sampling.temperature = o.temperature;
    sampling.top_k = o.top_k;
    sampling.top_p = o.top_p;
    sampling.validate();
    options.gpu_shortlist = runtime::shortlist_size(sampling, ops::kMaxTopK);
    if (o.shared_prefix > prompt_len.lo)
        throw InputError("--shared-prefix " + std::to_string(o.shared_prefix) + " is longer than the shortest prompt (" +
                         std::to_string(prompt_len.lo) + " tokens)");
    announce("bench: uploading weights", !o.json);
    Engine engine(model, options);

    std::mt19937_64 rng(o.seed);
    auto draw = [&](Range r) { return r.lo + uint32_t(rng() % (uint64_t(r.hi) - r.lo + 1)); };
    struct Planned {
        Request request;
        double arrival_s = 0;
    };
    std::vector<Planned> plan(o.requests);
    double t = 0;
    std::exponential_distribution<double> gap(o.rate > 0 ? o.rate : 1.0);
    std::vector<int32_t> prefix(o.shared_prefix);
    for (int32_t& id : prefix) id = int32_t(rng() % c.vocab_size);
    for (Planned& p : plan) {
        p.request.prompt.resize(draw(prompt_len));
        for (int32_t& id : p.request.prompt) id = int32_t(rng() % c.vocab_size);
        std::copy(prefix.begin(), prefix.end(), p.request.prompt.begin());
        p.request.sampling = sampling;
        p.request.sampling.seed = o.seed + (&p - plan.data());
        p.request.max_tokens = draw(gen_len);
        p.request.stop_at_eos = false;
        if (o.rate > 0) t += gap(rng);
        p.arrival_s = t;
    }

    // Per request: when it arrived and when each of its tokens came.
    std::vector<std::vector<Clock::time_point>> token_times(plan.size());
    std::vector<Clock::time_point> arrived(plan.size());
    std::vector<uint64_t> ids(plan.size(), 0);
    announce("bench: " + std::to_string(o.requests) + " requests" +
                 (o.rate > 0 ? " at " + std::to_string(o.rate) + "/s" : std::string(" all at once")),
             !o.json);
    const auto start = Clock::now();
    size_t submitted = 0;
    uint64_t sampled_rows = 0, whole_rows = 0;  // rows of steps that read back candidates; of those, read whole
    while (true) {
        const double now_s = std::chrono::duration<double>(Clock::now() - start).count();
        while (submitted < plan.size() && plan[submitted].arrival_s <= now_s) {
            const size_t i = submitted++;
            arrived[i] = Clock::now();
            ids[i] = engine.submit(plan[i].request, [&token_times, i](const TokenEvent& e) {
                if (e.token >= 0) token_times[i].push_back(Clock::now());
            });
        }
        if (engine.step()) {
            sampled_rows += engine.last_step().shortlist_rows;
            whole_rows += engine.last_step().whole_rows_fetched;
            continue;
        }
        if (submitted == plan.size()) break;
        std::this_thread::sleep_for(std::chrono::duration<double>(plan[submitted].arrival_s - now_s));
    }
    const double total_s = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<double> ttft, itl;
    uint64_t output_tokens = 0, prompt_tokens = 0, cached_tokens = 0, preemptions = 0;
    for (size_t i = 0; i < plan.size(); ++i) {
        const RequestResult& r = engine.result(ids[i]);
        output_tokens += r.tokens.size();
        prompt_tokens += r.timings.prompt_tokens;
        cached_tokens += r.timings.cached_prompt_tokens;
        preemptions += r.timings.preemptions;
        if (!token_times[i].empty()) ttft.push_back(std::chrono::duration<double>(token_times[i][0] - arrived[i]).count());
        for (size_t k = 1; k < token_times[i].size(); ++k)
            itl.push_back(std::chrono::duration<double>(token_times[i][k] - token_times[i][k - 1]).count());
    }
    const double rps = double(plan.size()) / total_s, tps = double(output_tokens) / total_s;
    if (o.json) {
        nlohmann::json out = {{"device", engine.device_name()},
                              {"model", o.model},
                              {"requests", plan.size()},
                              {"rate", o.rate},
                              {"max_sequences", options.max_sequences},
                              {"step_tokens", options.step_tokens},
                              {"prompt_tokens", prompt_tokens},
                              {"shared_prefix", o.shared_prefix},
                              {"cached_prompt_tokens", cached_tokens},
                              {"output_tokens", output_tokens},
                              {"seconds", total_s},
                              {"requests_per_second", rps},
                              {"output_tokens_per_second", tps},
                              {"ttft_p50_seconds", percentile(ttft, 0.5)},
                              {"ttft_p99_seconds", percentile(ttft, 0.99)},
                              {"itl_p50_seconds", percentile(itl, 0.5)},
                              {"itl_p99_seconds", percentile(itl, 0.99)},
                              {"preemptions", preemptions},
                              {"sampling", sampling_name(sampling)},
                              {"candidate_rows", sampled_rows},
                              {"whole_rows_fetched", whole_rows}};
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    std::printf("device   %s\nmodel    %s\n", engine.device_name().c_str(), o.model.c_str());
    std::printf("requests %zu (%s), prompts %s tokens, outputs %s tokens, up to %u at once, %u tokens per step\n",
                plan.size(), o.rate > 0 ? ("Poisson " + std::to_string(o.rate) + "/s").c_str() : "all at once",
                o.prompt_len.c_str(), o.gen_len.c_str(), options.max_sequences, options.step_tokens);
    std::printf("served   %.2f s: %.2f requests/s, %.1f output tokens/s (%llu prompt tokens, %llu of them from the "
                "prefix cache, %llu output tokens, %llu preemptions)\n",
                total_s, rps, tps, static_cast<unsigned long long>(prompt_tokens),
                static_cast<unsigned long long>(cached_tokens), static_cast<unsigned long long>(output_tokens),
                static_cast<unsigned long long>(preemptions));
    std::printf("sampling %s: %llu rows from GPU candidates, %llu of them read whole\n", sampling_name(sampling).c_str(),
                static_cast<unsigned long long>(sampled_rows), static_cast<unsigned long long>(whole_rows));
    std::printf("latency  time to first token p50 %.1f ms, p99 %.1f ms; inter-token p50 %.1f ms, p99 %.1f ms\n",
                1e3 * percentile(ttft, 0.5), 1e3 * percentile(ttft, 0.99), 1e3 * percentile(itl, 0.5),
                1e3 * percentile(itl, 0.99));
    return 0;
}

}  // namespace vkllm::cli
