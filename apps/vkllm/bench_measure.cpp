#include "bench_measure.h"

#include <algorithm>
#include <chrono>

#include "context_options.h"
#include "kv/kv_cache.h"
#include "model/load.h"
#include "model/param_count.h"
#include "ops/topk.h"
#include "plan/forward.h"
#include "runtime/shortlist.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

using Clock = std::chrono::steady_clock;

// GPU time per dispatch family, summed over steps.
void add_timings(std::vector<StepTiming>& into, const std::vector<StepTiming>& step) {
    for (const auto& s : step) {
        auto it = std::find_if(into.begin(), into.end(), [&](auto& p) { return p.label == s.label; });
        if (it == into.end()) into.push_back(s);
        else it->microseconds += s.microseconds;
    }
}

std::vector<int32_t> bench_tokens(uint32_t count, uint32_t offset, uint32_t vocab) {
    std::vector<int32_t> tokens(count);
    for (uint32_t i = 0; i < count; ++i) tokens[i] = int32_t(((i + offset) * 7919u + 13u) % vocab);
    return tokens;
}

double prefill_flops(const ModelConfig& c, const BenchParams& p) {
    const ParameterCount n = count_parameters(c);
    const double linear = 2.0 * double(n.active_per_token - n.embedding) * p.prompt;
    // Query i of the prompt attends to depth + i + 1 positions.
    const double positions = double(p.prompt) * p.depth + double(p.prompt) * (p.prompt + 1) / 2.0;
    const double attention = 4.0 * c.num_layers * c.num_heads * c.head_size() * positions;
    return (linear + attention) * p.batch;
}

}  // namespace

size_t BenchMeasurement::fastest_prefill() const {
    size_t best = 0;
    for (size_t i = 1; i < rounds.size(); ++i)
        if (rounds[i].prefill_wall_s < rounds[best].prefill_wall_s) best = i;
    return best;
}

size_t BenchMeasurement::fastest_decode() const {
    size_t best = 0;
    for (size_t i = 1; i < rounds.size(); ++i)
        if (rounds[i].decode_wall_s < rounds[best].decode_wall_s) best = i;
    return best;
}

void require_bench_fits(const ModelConfig& c, const BenchParams& p, const std::string& what, const std::string& hint) {
    // The kept depth sequence holds one sampled token beyond its depth; the
    // prompt's sampled token and the decode's first token come on top (measure_bench).
    const uint64_t depth_tokens = p.depth > 0 ? uint64_t(p.depth) + 1 : 0;
    require_fits_context(depth_tokens + p.prompt + p.generate + 2, c.max_position,
                         !what.empty() ? what
                                       : (p.depth > 0 ? "depth " + std::to_string(p.depth) + " plus " : std::string()) +
                                             "prompt " + std::to_string(p.prompt) + " plus " +
                                             std::to_string(p.generate) + " generated tokens (and 2 that start the decode)",
                         hint);
}

namespace {
double step_gpu_seconds(const StepStats& st) {
    double s = 0;
    for (const auto& t : st.gpu) s += t.microseconds * 1e-6;
    return s;
}
}  // namespace

BenchMeasurement measure_bench(vk::Device& device, const LoadedModel& model, const BenchParams& p,
                               const std::function<void(const std::string&)>& announce) {
    const ModelConfig& c = model.config;
    if (p.prompt == 0 || p.generate == 0 || p.batch == 0 || p.repetitions == 0)
        throw InputError("bench: prompt, generate, batch and repetitions must each be at least 1");
    require_bench_fits(c, p);
    const uint64_t depth_tokens = p.depth > 0 ? uint64_t(p.depth) + 1 : 0;
    BenchMeasurement m;
    EngineOptions options;
    options.weights = p.storage;
    // Every request's prompt is one step, beside the decodes of those already running.
    options.step_tokens = std::min(p.prompt + p.batch, c.max_position);
    options.max_sequences = p.batch;
    // Without a profile each step is still timed as a whole (one timestamp).
    options.profile = p.profile;
    options.prefix_cache = false;  // every request and round repeats one prompt: time computing it, not the cache
    // Greedy decoding reads back what `vkllm run --greedy` would: a lone
    // sequence its GPU shortlist, a batch every row.
    runtime::SamplingParams greedy;
    greedy.temperature = 0;
    options.gpu_shortlist = runtime::shortlist_size(greedy, ops::kMaxTopK);
    options.kv_type = p.kv_type;
    const uint32_t block_size = plan::ForwardOptions{}.kv_block_size;
    m.kv_type = kv_type_on(p.kv_type, device.caps());
    const kv::KvGeometry g{c.num_layers, c.kv_heads(), c.head_size(), block_size, m.kv_type};
    options.kv_budget_bytes =
        g.bytes_per_block() * 2 * p.batch * ((depth_tokens + p.prompt + p.generate) / block_size + 2);
    announce("uploading weights");
    const auto t_load = Clock::now();
    Engine engine(device, model, options);
    plan::GpuForward& forward = *engine.gpu_forward();
    m.load_s = std::chrono::duration<double>(Clock::now() - t_load).count();

    const std::vector<int32_t> context = bench_tokens(p.depth, 0, c.vocab_size);
    const std::vector<int32_t> prompt = bench_tokens(p.prompt, p.depth, c.vocab_size);
    for (uint32_t round = 0; round < p.warmups + p.repetitions; ++round) {
        const bool warmup = round < p.warmups;
        announce(warmup ? "warm-up round " + std::to_string(round + 1) + "/" + std::to_string(p.warmups)
                        : "measured round " + std::to_string(round - p.warmups + 1) + "/" +
                              std::to_string(p.repetitions));
        // The context depth: each sequence's first `depth` tokens, kept in its cache, not measured.
        std::vector<uint64_t> kept;
        for (uint32_t s = 0; s < p.batch && p.depth > 0; ++s) {
            Request r;
            r.prompt = context;
            r.sampling.temperature = 0;
            r.max_tokens = 1;
            r.stop_at_eos = false;
            r.keep = true;
            kept.push_back(engine.submit(std::move(r)));
        }
        engine.run_until_done();
        forward.reset_moe_stats();  // every round routes the same tokens; the last one is reported
        // Prefill: every request's prompt, continuously batched (a prompt per
        // step beside nothing else: each request stops after its prompt's token
        // and keeps its sequence).
        std::vector<uint64_t> prompted;
        for (uint32_t s = 0; s < p.batch; ++s) {
            Request r;
            r.prompt = prompt;
            r.sampling.temperature = 0;
            r.max_tokens = 1;
            r.stop_at_eos = false;
            r.keep = true;
            if (!kept.empty()) r.continues = kept[s];
            prompted.push_back(engine.submit(std::move(r)));
        }
        BenchRound b;
        while (engine.step()) {
            const StepStats& st = engine.last_step();
            b.prefill_wall_s += st.wall_s;
            b.prefill_gpu_s += step_gpu_seconds(st);
            add_timings(b.prefill_profile, st.gpu);
        }
        // Decode: all `batch` sequences together, one greedy token each per
        // step. Each continues with one more token, so its first step computes
        // two (the prompt's sampled token and that one; not measured), then
        // `generate` steps of one token each.
        for (uint32_t s = 0; s < p.batch; ++s) {
            Request r;
            r.prompt = {prompt.back()};
            r.sampling.temperature = 0;
            r.max_tokens = p.generate + 1;
            r.stop_at_eos = false;
            r.continues = prompted[s];
            engine.submit(std::move(r));
        }
        while (engine.step()) {
            const StepStats& st = engine.last_step();
            if (st.prefill_tokens > 0) continue;
            b.decode_wall_s += st.wall_s;
            b.decode_gpu_s += step_gpu_seconds(st);
            b.decode_tokens += st.decode_tokens;
            ++b.decode_steps;
            add_timings(b.decode_profile, st.gpu);
        }
        if (!warmup) m.rounds.push_back(std::move(b));
    }
    m.kv_bytes_per_token = g.bytes_per_token();
    m.weight_bytes = forward.weight_bytes();
    m.decode_weight_bytes = forward.decode_weight_bytes(p.batch);
    const double mean_context = double(p.depth) + p.prompt + p.generate / 2.0;
    m.decode_bytes_per_step = double(m.decode_weight_bytes) + p.batch * double(m.kv_bytes_per_token) * mean_context;
    m.prefill_flops = prefill_flops(c, p);
    m.moe_stats = forward.moe_stats();
    return m;
}

}  // namespace vkllm::cli
