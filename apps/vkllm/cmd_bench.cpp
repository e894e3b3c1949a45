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
#include "bench_compare.h"
#include "bench_measure.h"
#include "bench_suite.h"
#include "model/load.h"
#include "moe_stats_report.h"
#include "memory_bandwidth.h"
#include "plan/forward.h"
#include "vk/buffer.h"
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
    std::string spec, out;         // --spec FILE --out DIR: a benchmark spec (bench_suite.h)
    std::vector<std::string> compare;  // --compare BASE NEW (bench_compare.h)
    double threshold = 5;
};

double sum_us(const std::vector<StepTiming>& t) {
    double s = 0;
    for (const auto& x : t) s += x.microseconds;
    return s;
}

int run(const BenchOptions& o) {
    const int modes = int(!o.model.empty()) + int(!o.spec.empty()) + int(!o.compare.empty());
    if (modes != 1)
        throw InputError(std::string(modes ? "give only one of" : "bench needs one of") +
                         " -m MODEL, --spec FILE --out DIR or --compare BASE.json NEW.json");
    if (!o.spec.empty()) {
        if (o.out.empty()) throw InputError("--spec needs --out DIR (where results, report and plots go)");
        return run_bench_spec(o.spec, o.out);
    }
    if (!o.out.empty()) throw InputError("--out goes with --spec");
    if (!o.compare.empty()) return compare_bench_results(o.compare[0], o.compare[1], o.threshold);
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
    BenchParams params;
    params.prompt = o.prompt;
    params.generate = o.generate;
    params.batch = o.batch;
    params.repetitions = o.repeats;
    params.storage = o.storage;
    params.kv_type = o.kv_type;
    params.profile = o.profile;
    require_bench_fits(c, params, "-p " + std::to_string(o.prompt) + " plus -n " + std::to_string(o.generate),
                       "lower -p or -n");
    auto instance = std::make_shared<vk::Instance>(instance_options());
    vk::Device device(instance, device_options());
    announce("bench: measuring copy bandwidth on " + device.caps().name, announce_phases && device.caps().timestamps);
    const CopyBandwidth copy = device.caps().timestamps ? measure_copy_bandwidth(device) : CopyBandwidth{};
    // The roofline's bandwidth: given, else the best measured.
    const double bandwidth = o.bandwidth > 0 ? o.bandwidth : copy.best();

    const BenchMeasurement m = measure_bench(device, model, params, [&](const std::string& line) {
        announce("bench: " + line + (line.rfind("warm-up", 0) == 0 ? " (" + std::to_string(o.prompt) +
                                                                         " prompt tokens, " + std::to_string(o.generate) +
                                                                         " decode steps)"
                                                                   : ""),
                 announce_phases);
    });
    const BenchRound& best_prefill = m.rounds[m.fastest_prefill()];
    const BenchRound& best_decode = m.rounds[m.fastest_decode()];
    double best_prefill_gpu = 1e30, best_decode_gpu = 1e30;
    for (const BenchRound& r : m.rounds) {
        best_prefill_gpu = std::min(best_prefill_gpu, r.prefill_gpu_s);
        best_decode_gpu = std::min(best_decode_gpu, r.decode_gpu_s);
    }
    const double best_prefill_wall = best_prefill.prefill_wall_s, best_decode_wall = best_decode.decode_wall_s;
    std::vector<StepTiming> prefill_profile = best_prefill.prefill_profile, decode_profile = best_decode.decode_profile;
    const uint64_t decode_steps = best_decode.decode_steps;
    const double prefill_tokens = double(o.prompt) * o.batch, decode_tokens = double(best_decode.decode_tokens);
    const double bytes_per_step = m.decode_bytes_per_step;
    const DType kv_type = m.kv_type;
    const bool moe = c.moe.num_experts > 0;
    const std::vector<ops::MoeStats>& moe_stats = m.moe_stats;
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
                              {"kv_bytes_per_token", m.kv_bytes_per_token},
                              {"weights_bytes", m.weight_bytes},
                              {"decode_weight_bytes", m.decode_weight_bytes},
                              {"load_seconds", m.load_s},
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
                c.vocab_size, m.weight_bytes / 1048576.0);
    if (moe)
        std::printf("experts  a decode step of %u token(s) reads %.1f MiB of the weights (ideal: only the experts "
                    "its tokens pick, %u of %u per token and layer)\n",
                    o.batch, m.decode_weight_bytes / 1048576.0,
                    c.moe.dense ? c.moe.num_experts : c.moe.top_k, c.moe.num_experts);
    std::printf("kv cache %s, %.1f KiB per token (K and V of every layer)\n", dtype_traits(kv_type).name,
                m.kv_bytes_per_token / 1024.0);
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
                     sub.add_option("-m,--model", o->model, "Model (TOML, Hugging Face directory or GGUF)");
                     sub.add_option("--spec", o->spec, "Benchmark spec (configs/bench/*.toml): run its points");
                     sub.add_option("--out", o->out, "--spec: folder for results.json, results.csv, report.md, plots");
                     sub.add_option("--compare", o->compare, "Compare two results.json files: BASE NEW")->expected(2);
                     sub.add_option("--threshold", o->threshold,
                                    "--compare: percent a median may fall before it counts as a regression")
                         ->check(CLI::Range(0.0, 99.0));
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
                     sub.add_option("--temperature", o->throughput.temperature,
                                    "--requests: sampling temperature of every request (0: greedy)")
                         ->check(CLI::NonNegativeNumber);
                     sub.add_option("--top-k", o->throughput.top_k, "--requests: top-k of every request (0: off)")
                         ->check(CLI::NonNegativeNumber);
                     sub.add_option("--top-p", o->throughput.top_p, "--requests: top-p of every request (1: off)")
                         ->check(CLI::Range(0.0, 1.0));
                     sub.add_option("--shared-prefix", o->throughput.shared_prefix,
                                    "--requests: leading prompt tokens every request shares (a system prompt)");
                     sub.add_option("--step-tokens", o->throughput.step_tokens, "--requests: token budget of one step")
                         ->check(CLI::Range(1u, 1u << 16));
                     sub.add_option("--seed", o->throughput.seed, "--requests: seed of the lengths, prompts and arrivals");
                     add_device_options(sub);
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
