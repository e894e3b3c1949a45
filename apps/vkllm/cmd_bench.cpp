// `vkllm bench`: prefill and decode speed of a model on the GPU through the
// engine (-b requests at once, continuous batching), measured with GPU
// timestamps and wall time, against the device's memory roofline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_options.h"
#include "context_options.h"
#include "progress.h"
#include "throughput_bench.h"
#include "model/load.h"
#include "moe_stats_report.h"
#include "memory_bandwidth.h"
#include "plan/forward.h"
#include "vk/buffer.h"
#include "ops/topk.h"
#include "runtime/shortlist.h"
#include "vk/commands.h"
#include "vk/device.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct BenchOptions {
    std::string model, storage = "auto", kv_type = "auto";
    uint32_t prompt = 512, generate = 128, repeats = 1, batch = 1;
    bool profile = false, json = false, moe_stats = false;
    double bandwidth = 0;  // bytes/s for the roofline; 0: measured
    ThroughputOptions throughput;  // --requests > 0: the serving benchmark (throughput_bench.h)
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double sum_us(const std::vector<StepTiming>& t) {
    double s = 0;
    for (const auto& x : t) s += x.microseconds;
    return s;
}

int run(const BenchOptions& o) {
    if (o.throughput.requests > 0) {  // serving throughput instead of one prefill and decode
        ThroughputOptions t = o.throughput;
        t.model = o.model;
        t.storage = o.storage;
        t.json = o.json;
        t.max_sequences = o.batch;
        return run_throughput(t);
    }
    const bool announce_phases = !o.json;  // on a terminal only (see announce)
    announce("bench: loading " + o.model, announce_phases);
    LoadedModel model = load_model(o.model);
    const ModelConfig& c = model.config;
    require_fits_context(uint64_t(o.prompt) + o.generate, c.max_position,
                         "-p " + std::to_string(o.prompt) + " plus -n " + std::to_string(o.generate),
                         "lower -p or -n");
    auto instance = std::make_shared<vk::Instance>(instance_options());
    vk::Device device(instance, device_options());
    announce("bench: measuring copy bandwidth on " + device.caps().name, announce_phases && device.caps().timestamps);
    const CopyBandwidth copy = device.caps().timestamps ? measure_copy_bandwidth(device) : CopyBandwidth{};
    // The roofline's bandwidth: given, else the faster of the two copies.
    const double bandwidth = o.bandwidth > 0 ? o.bandwidth : copy.best();

    EngineOptions options;
    options.weights = o.storage;
    // Every request's prompt is one step, beside the decodes of those already running.
    options.step_tokens = std::min(o.prompt + o.batch, c.max_position);
    options.max_sequences = o.batch;
    // Greedy decoding reads back what `vkllm run --greedy` would: a lone
    // sequence its GPU shortlist, a batch every row.
    runtime::SamplingParams greedy;
    greedy.temperature = 0;
    options.gpu_shortlist = runtime::shortlist_size(greedy, ops::kMaxTopK);
    // Timestamps per dispatch family only when asked: they add a wait per phase
    // to what is measured. Without, each step is timed as a whole.
    options.profile = o.profile;
    options.prefix_cache = false;  // every request and round repeats one prompt: time computing it, not the cache
    const uint32_t block_size = plan::ForwardOptions{}.kv_block_size;
    options.kv_type = o.kv_type;
    const DType kv_type = kv_type_on(o.kv_type, device.caps());
    kv::KvGeometry g{c.num_layers, c.kv_heads(), c.head_size(), block_size, kv_type};
    options.kv_budget_bytes = g.bytes_per_block() * 2 * o.batch * ((o.prompt + o.generate) / block_size + 2);
    announce("bench: uploading weights", announce_phases);
    auto t_load = Clock::now();
    Engine engine(device, model, options);
    plan::GpuForward& forward = *engine.gpu_forward();
    const double load_s = seconds_since(t_load);

    std::vector<int32_t> prompt(o.prompt);
    for (uint32_t i = 0; i < o.prompt; ++i) prompt[i] = int32_t((i * 7919u + 13u) % c.vocab_size);

    // GPU time per dispatch family, summed over steps.
    auto add_timings = [](std::vector<StepTiming>& into, const std::vector<StepTiming>& step) {
        for (const auto& s : step) {
            auto it = std::find_if(into.begin(), into.end(), [&](auto& p) { return p.label == s.label; });
            if (it == into.end()) into.push_back(s);
            else it->microseconds += s.microseconds;
        }
    };
    double best_prefill_wall = 1e30, best_prefill_gpu = 1e30, best_decode_wall = 1e30, best_decode_gpu = 1e30;
    uint64_t decode_tokens_measured = 0, decode_steps = 0;
    std::vector<StepTiming> prefill_profile, decode_profile;
    for (uint32_t rep = 0; rep < o.repeats + 1; ++rep) {  // the first round warms up pipelines and clocks
        announce(rep == 0 ? "bench: warm-up round (" + std::to_string(o.prompt) + " prompt tokens, " +
                                std::to_string(o.generate) + " decode steps)"
                          : "bench: measured round " + std::to_string(rep) + "/" + std::to_string(o.repeats),
                 announce_phases);
        forward.reset_moe_stats();  // every round routes the same tokens; the last one is reported
        // Each request: its prompt, then one greedy token per decode step (the
        // first new token comes from the prompt's step, so -n steps feed -n tokens).
        for (uint32_t s = 0; s < o.batch; ++s) {
            Request r;
            r.prompt = prompt;
            r.sampling.temperature = 0;
            r.max_tokens = o.generate + 1;
            r.stop_at_eos = false;
            engine.submit(std::move(r));
        }
        // Steps that carry a prompt count as prefill; the rest, decode of every running request.
        double prefill_wall = 0, prefill_gpu = 0, decode_wall = 0, decode_gpu = 0;
        uint64_t decode_tokens = 0, steps = 0;
        std::vector<StepTiming> prefill, profile;
        while (engine.step()) {
            const StepStats& st = engine.last_step();
            double gpu_s = 0;
            for (const auto& t : st.gpu) gpu_s += t.microseconds * 1e-6;
            if (st.prefill_tokens > 0) {
                prefill_wall += st.wall_s;
                prefill_gpu += gpu_s;
                add_timings(prefill, st.gpu);
            } else {
                decode_wall += st.wall_s;
                decode_gpu += gpu_s;
                decode_tokens += st.decode_tokens;
                ++steps;
                add_timings(profile, st.gpu);
            }
        }
        if (rep == 0) continue;
        if (prefill_wall < best_prefill_wall) prefill_profile = prefill;
        best_prefill_wall = std::min(best_prefill_wall, prefill_wall);
        best_prefill_gpu = std::min(best_prefill_gpu, prefill_gpu);
        if (decode_wall < best_decode_wall) {
            decode_profile = profile;
            decode_tokens_measured = decode_tokens;
            decode_steps = steps;
        }
        best_decode_wall = std::min(best_decode_wall, decode_wall);
        best_decode_gpu = std::min(best_decode_gpu, decode_gpu);
    }
    const double prefill_tokens = double(o.prompt) * o.batch, decode_tokens = double(decode_tokens_measured);

    // Bytes a decode step must read: every weight once (of the routed experts
    // only those its tokens pick), plus each sequence's KV cache at the mean context.
    const double kv_per_token = double(g.bytes_per_token());
    const double mean_context = o.prompt + o.generate / 2.0;
    const double bytes_per_step = double(forward.decode_weight_bytes(o.batch)) + o.batch * kv_per_token * mean_context;
    const bool moe = c.moe.num_experts > 0;
    const std::vector<ops::MoeStats> moe_stats = forward.moe_stats();
    if (o.moe_stats && !moe)
        std::fprintf(stderr, "vkllm: --moe-stats: %s has no MoE layers (a dense model), so there are no routing statistics\n",
                     o.model.c_str());
    const double decode_tps = decode_tokens / best_decode_wall;
    // The copy moves its bandwidth in reads and writes together; a decode step is nearly all reads.
    const double roofline_tps = bandwidth > 0 ? bandwidth / bytes_per_step * o.batch : 0;

    if (o.json) {
        nlohmann::json out = {{"device", device.caps().name},
                              {"model", o.model},
                              {"prompt_tokens", o.prompt},
                              {"generated_tokens", o.generate},
                              {"batch", o.batch},
                              {"kv_type", dtype_traits(kv_type).name},
                              {"kv_bytes_per_token", g.bytes_per_token()},
                              {"weights_bytes", forward.weight_bytes()},
                              {"decode_weight_bytes", forward.decode_weight_bytes(o.batch)},
                              {"load_seconds", load_s},
                              {"prefill_tokens_per_second_wall", prefill_tokens / best_prefill_wall},
                              {"prefill_tokens_per_second_gpu", prefill_tokens / best_prefill_gpu},
                              {"decode_tokens_per_second_wall", decode_tps},
                              {"decode_tokens_per_second_gpu", decode_tokens / best_decode_gpu},
                              {"decode_bytes_per_step", bytes_per_step},
                              {"read_bandwidth_bytes_per_second", copy.read},
                              {"copy_bandwidth_bytes_per_second", copy.compute},
                              {"transfer_copy_bandwidth_bytes_per_second", copy.transfer},
                              {"roofline_bandwidth_bytes_per_second", bandwidth},
                              {"decode_roofline_tokens_per_second", roofline_tps}};
        if (moe) add_moe_summary_json(out, summarize_moe(moe_stats));
        if (o.moe_stats) out["moe"] = moe_stats_json(moe_stats);
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    std::printf("device   %s\nmodel    %s: %u layers, hidden %u, %u heads (%u kv), vocab %u, weights %.1f MiB on the GPU\n",
                device.caps().name.c_str(), o.model.c_str(), c.num_layers, c.hidden_size, c.num_heads, c.kv_heads(),
                c.vocab_size, forward.weight_bytes() / 1048576.0);
    if (moe)
        std::printf("experts  a decode step of %u token(s) reads %.1f MiB of the weights (ideal: only the experts "
                    "its tokens pick, %u of %u per token and layer)\n",
                    o.batch, forward.decode_weight_bytes(o.batch) / 1048576.0,
                    c.moe.dense ? c.moe.num_experts : c.moe.top_k, c.moe.num_experts);
    std::printf("kv cache %s, %.1f KiB per token (K and V of every layer)\n", dtype_traits(kv_type).name,
                g.bytes_per_token() / 1024.0);
    if (o.batch > 1) std::printf("batch    %u sequences, each its own prompt and decode\n", o.batch);
    std::printf("prefill  %u tokens: %.1f tokens/s wall, %.1f tokens/s GPU\n", o.prompt,
                prefill_tokens / best_prefill_wall, prefill_tokens / best_prefill_gpu);
    std::printf("decode   %llu steps: %.1f tokens/s wall (%.3f ms/step), %.1f tokens/s GPU (%.3f ms/step)\n",
                static_cast<unsigned long long>(decode_steps), decode_tps, 1e3 * best_decode_wall / double(decode_steps),
                decode_tokens / best_decode_gpu, 1e3 * best_decode_gpu / double(decode_steps));
    if (copy.best() > 0)
        std::printf("memory   read %.0f GB/s (read probe); copy %.0f GB/s by vkCmdCopyBuffer, %.0f GB/s by the copy "
                    "probe (bytes read + written)\n",
                    copy.read / 1e9, copy.transfer / 1e9, copy.compute / 1e9);
    if (bandwidth > 0)
        std::printf("roofline %.2f MB read per decode step at %.0f GB/s%s: %.1f tokens/s; wall reaches %.0f%%\n",
                    bytes_per_step / 1e6, bandwidth / 1e9, o.bandwidth > 0 ? " (given)" : " (best measured)", roofline_tps,
                    100.0 * decode_tps / roofline_tps);
    if (moe && o.moe_stats) std::fputs(format_moe_report(moe_stats).c_str(), stdout);
    else if (moe) std::printf("routing  %s\n", format_moe_summary(summarize_moe(moe_stats), c.num_layers).c_str());
    if (o.profile) {
        for (auto* part : {&prefill_profile, &decode_profile}) {
            std::printf("%s GPU time by kernel family:\n", part == &prefill_profile ? "prefill" : "decode");
            double total = sum_us(*part);
            std::sort(part->begin(), part->end(), [](auto& a, auto& b) { return a.microseconds > b.microseconds; });
            for (const auto& s : *part)
                std::printf("  %-12s %10.1f us  %5.1f%%\n", s.label.c_str(), s.microseconds, 100 * s.microseconds / total);
        }
    }
    return 0;
}

Registration reg{"bench", "Measure prefill and decode speed on the GPU", [](CLI::App& sub) {
                     auto o = std::make_shared<BenchOptions>();
                     sub.add_option("-m,--model", o->model, "Model (TOML, Hugging Face directory or GGUF)")->required();
                     sub.add_option("-p,--prompt", o->prompt, "Prompt tokens (one prefill)")->check(CLI::Range(1u, 1u << 20));
                     sub.add_option("-n,--generate", o->generate, "Decode steps")->check(CLI::Range(1u, 1u << 20));
                     sub.add_option("-r,--repeats", o->repeats, "Measured rounds after one warm-up (best is kept)")
                         ->check(CLI::Range(1u, 1000u));
                     sub.add_option("-b,--batch", o->batch, "Sequences decoded together (each with its own prompt)")
                         ->check(CLI::Range(1u, 256u));
                     sub.add_option("--weights", o->storage, "Matrix storage on the GPU: auto, f16, f32");
                     add_kv_type_option(sub, o->kv_type);
                     sub.add_flag("--profile", o->profile, "GPU time per kernel family");
                     sub.add_option("--bandwidth", o->bandwidth,
                                    "Memory bandwidth for the roofline, bytes/s (default: the faster measured copy)")
                         ->check(CLI::PositiveNumber);
                     sub.add_flag("--moe-stats", o->moe_stats, "MoE routing per layer and expert of the last round");
                     sub.add_flag("--json", o->json, "Print JSON");
                     sub.add_option("--requests", o->throughput.requests,
                                    "Serving benchmark: this many requests batched continuously (-b: at once)")
                         ->check(CLI::Range(0u, 1u << 20));
                     sub.add_option("--prompt-len", o->throughput.prompt_len, "--requests: prompt tokens, N or A-B");
                     sub.add_option("--gen-len", o->throughput.gen_len, "--requests: output tokens, N or A-B");
                     sub.add_option("--rate", o->throughput.rate, "--requests: Poisson arrivals per second (0: all at once)")
                         ->check(CLI::NonNegativeNumber);
                     sub.add_option("--step-tokens", o->throughput.step_tokens, "--requests: token budget of one step")
                         ->check(CLI::Range(1u, 1u << 16));
                     sub.add_option("--seed", o->throughput.seed, "--requests: seed of the lengths, prompts and arrivals");
                     add_device_options(sub);
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
