// `vkllm run`: generate text from a prompt, streaming tokens as they come.
// One request through the engine (vkllm/engine.h): the prompt in steps of the
// engine's token budget, then one decode step per token through the paged KV
// cache. `--backend reference` runs the same loop over the CPU reference (a
// full pass per token: slow, for checking). Ctrl-C cancels the request after
// the current step: the timing line still comes, exit 130.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_options.h"
#include "environment.h"
#include "context_options.h"
#include "interrupt.h"
#include "memory_report.h"
#include "output.h"
#include "sampling_options.h"
#include "model/model_tokenizer.h"
#include "moe_stats_report.h"
#include "model/load.h"
#include "ops/topk.h"
#include "plan/forward.h"
#include "progress.h"
#include "reference_executor.h"
#include "runtime/shortlist.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct RunOptions {
    std::string model;
    std::string prompt;
    std::string tokenizer;
    uint32_t max_tokens = 64;
    uint32_t context = 0;  // 0: the model's
    runtime::SamplingParams sampling;
    bool greedy = false;
    bool ignore_eos = false;
    bool quiet = false;
    bool json = false;
    bool moe_stats = false;
    std::string backend = "gpu";
    std::string kv_type = "auto";
    std::string weights = "auto";
    std::vector<std::string> stop;
};

// The engine that generates: on the GPU (top-k candidates selected there
// when sampling allows), or over the CPU reference with --backend reference.
std::unique_ptr<Engine> make_engine(const RunOptions& o, const LoadedModel& model, const tokenizer::Tokenizer& tok,
                                    const runtime::SamplingParams& params, uint32_t context) {
    EngineOptions options;
    options.tokenizer = &tok;
    options.context = context;
    if (o.backend == "reference")
        return std::make_unique<Engine>(std::make_unique<ReferenceExecutor>(model), model.config, options);
    if (o.backend != "gpu") throw InputError("--backend must be gpu or reference, not '" + o.backend + "'");
    set_device_options(options);
    options.weights = o.weights;
    ProgressBar bar("loading weights", !o.quiet && !o.json);
    options.on_upload_progress = bar.callback();
    options.gpu_shortlist = runtime::shortlist_size(params, ops::kMaxTopK);
    options.kv_type = o.kv_type;
    return std::make_unique<Engine>(model, options);
}

std::string default_model() { return env::default_model(VKLLM_DEFAULT_MODEL_DIR); }

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What --moe-stats adds after generation: a report on stderr, or fields of the JSON output.
void report_moe_stats(const std::string& model_path, const LoadedModel& model, Engine& engine, nlohmann::json* json) {
    if (model.config.moe.num_experts == 0) {
        std::fprintf(stderr, "vkllm: --moe-stats: %s has no MoE layers (a dense model), so there are no routing statistics\n",
                     model_path.c_str());
        if (json) (*json)["moe"] = nlohmann::json::array();
        return;
    }
    std::vector<ops::MoeStats> stats = engine.gpu_forward() ? engine.gpu_forward()->moe_stats() : std::vector<ops::MoeStats>{};
    if (json) {
        (*json)["moe"] = moe_stats_json(stats);
        add_moe_summary_json(*json, summarize_moe(stats));
    } else {
        std::fputs(format_moe_report(stats).c_str(), stderr);
    }
}

int run(const RunOptions& o) {
    if (o.moe_stats && o.backend == "reference")
        throw InputError("--moe-stats: routing statistics come from the GPU path only; drop --backend reference");
    install_interrupt_handler();
    const std::string model_path = o.model.empty() ? default_model() : o.model;
    auto t_load = Clock::now();
    LoadedModel model = load_model(model_path);
    if (model.config.kind != ModelKind::DecoderOnly)
        throw InputError(model_path + ": an encoder-only model cannot generate text");
    std::string tokenizer_path = o.tokenizer.empty() ? model.config.tokenizer : o.tokenizer;
    if (tokenizer_path.empty())
        throw InputError(model_path + ": the model names no tokenizer; pass --tokenizer FILE");
    tokenizer::Tokenizer tok = load_model_tokenizer(tokenizer_path, model.config);
    double load_s = seconds_since(t_load);

    std::vector<int32_t> tokens = tok.encode(o.prompt, true);
    if (tokens.empty()) throw InputError("the prompt is empty and the tokenizer adds no BOS token; give a prompt");
    const std::string what = "the prompt (" + std::to_string(tokens.size()) + " tokens) plus -n " +
                             std::to_string(o.max_tokens) + " new tokens";
    const std::string hint = o.context && o.context < model.config.max_position ? "shorten the prompt, lower -n or raise -c"
                                                                                : "shorten the prompt or lower -n";
    const uint32_t wanted_context = choose_context(model.config, o.context);
    require_fits_context(tokens.size() + o.max_tokens, wanted_context, what, hint);  // before any GPU work

    runtime::SamplingParams params = o.sampling;
    if (o.greedy) params.temperature = 0.f;
    std::unique_ptr<Engine> engine = make_engine(o, model, tok, params, wanted_context);
    if (engine->context() < wanted_context)  // the KV cache that fits in device memory is smaller
        require_fits_context(tokens.size() + o.max_tokens, engine->context(), what + " (the KV cache that fits this device)", "lower -n or -c");
    const MemoryUse at_load = engine->memory();
    if (!o.quiet) {
        std::string sampling = params.greedy() ? "greedy" : "seed " + std::to_string(params.seed);
        std::fprintf(stderr, "vkllm: %s on %s, context %u tokens, %s\n", model_path.c_str(),
                     engine->device_name().c_str(), engine->context(), sampling.c_str());
    }
    if (!o.json) write_stdout(o.prompt);

    Request request;
    request.prompt = tokens;
    request.sampling = params;
    request.max_tokens = o.max_tokens;
    request.stop_at_eos = !o.ignore_eos;
    request.stop = o.stop;
    const uint64_t id = engine->submit(std::move(request), [&](const TokenEvent& e) {
        if (!o.json) write_stdout(e.text);
    });
    // A prompt longer than one step goes in pieces: a progress bar on a terminal.
    ProgressBar bar("prompt", !o.quiet && !o.json && tokens.size() > plan::ForwardOptions{}.max_step_tokens);
    while (!engine->finished(id)) {
        if (interrupted()) {  // Ctrl-C: stop after the current step
            engine->cancel(id);
            break;
        }
        engine->step();
        if (auto [done, total] = engine->prompt_progress(id); done < total) bar.update_count(done, total, "tokens");
    }
    bar.finish();
    if (!o.json) write_stdout("\n");  // flushed: the status lines on stderr come after the text

    const RequestResult& r = engine->result(id);
    const std::string stop_reason = finish_reason_name(r.reason);
    const size_t prompt_tokens = tokens.size();
    const uint32_t produced = r.timings.generated;
    // The first step processes the prompt; each later step one more token.
    const double prompt_s = r.timings.queued_s + r.timings.prefill_s, gen_s = r.timings.decode_s;
    double prompt_tps = prompt_s > 0 && produced > 0 ? prompt_tokens / prompt_s : 0;
    double gen_tps = gen_s > 0 && produced > 1 ? (produced - 1) / gen_s : 0;
    const uint64_t kv_used = r.kv_bytes, kv_total = engine->kv_bytes().second;
    if (o.json) {
        nlohmann::json out = {{"model", model_path},
                              {"backend", engine->device_name()},
                              {"prompt", o.prompt},
                              {"prompt_tokens", prompt_tokens},
                              {"text", r.text},
                              {"tokens", r.tokens},
                              {"stop_reason", stop_reason},
                              {"seed", params.seed},
                              {"context", engine->context()},
                              {"load_seconds", load_s},
                              {"kv_type", engine->kv_type()},
                              {"kv_bytes_used", kv_used},
                              {"kv_bytes_allocated", kv_total},
                              {"memory_at_load", memory_json(at_load)},
                              {"prompt_tokens_per_second", prompt_tps},
                              {"generation_tokens_per_second", gen_tps}};
        if (o.moe_stats) report_moe_stats(model_path, model, *engine, &out);
        write_stdout(out.dump() + "\n");
    } else if (!o.quiet) {
        std::fprintf(stderr, "vkllm: prompt %zu tokens at %.1f tokens/s, generated %u tokens at %.1f tokens/s (%s)\n",
                     prompt_tokens, prompt_tps, produced, gen_tps, stop_reason.c_str());
        if (kv_total > 0)
            std::fprintf(stderr, "vkllm: KV cache (%s) %.2f MiB in use of %.2f MiB allocated\n",
                         engine->kv_type().c_str(), kv_used / 1048576.0, kv_total / 1048576.0);
        print_memory(at_load);
    }
    if (o.moe_stats && !o.json) report_moe_stats(model_path, model, *engine, nullptr);
    return stop_reason == "interrupted" ? kInterruptedExit : 0;
}

Registration reg{"run", "Generate text from a prompt", [](CLI::App& sub) {
                     auto o = std::make_shared<RunOptions>();
                     sub.add_option("-m,--model", o->model, "TOML config, Hugging Face directory or GGUF file (default: the shipped model)");
                     sub.add_option("-p,--prompt", o->prompt, "Prompt text");
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("-n,--max-tokens", o->max_tokens, "New tokens to generate")->check(CLI::Range(1u, 1u << 20));
                     add_context_option(sub, o->context);
                     add_kv_type_option(sub, o->kv_type);
                     add_sampling_options(sub, o->sampling);
                     sub.add_option("--stop", o->stop, "Stop when this text is generated (repeatable)");
                     sub.add_flag("--greedy", o->greedy, "Always take the most likely token");
                     sub.add_flag("--ignore-eos", o->ignore_eos, "Keep going past the end-of-sequence token");
                     sub.add_flag("-q,--quiet", o->quiet, "Only the text, no status lines");
                     sub.add_flag("--json", o->json, "One JSON object with the text, tokens and speeds");
                     sub.add_flag("--moe-stats", o->moe_stats, "After generation, MoE routing per layer and expert (GPU backend)");
                     sub.add_option("--backend", o->backend, "gpu (default) or reference (CPU oracle, slow)");
                     sub.add_option("--weights", o->weights, "Matrix storage on the GPU: auto, f16, f32");
                     add_device_options(sub);
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
