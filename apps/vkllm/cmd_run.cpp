// `vkllm run`: generate text from a prompt, streaming tokens as they come.
// The prompt is one prefill through the GPU forward pass, then one decode step
// per token through the paged KV cache. `--backend reference` runs the CPU
// reference instead (a full pass per token: slow, for checking). Ctrl-C stops
// generating after the current step: the timing line still comes, exit 130.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "context_options.h"
#include "interrupt.h"
#include "output.h"
#include "sampling_options.h"
#include "model_tokenizer.h"
#include "moe_stats_report.h"
#include "model/load.h"
#include "ops/topk.h"
#include "plan/forward.h"
#include "progress.h"
#include "vk/device.h"
#include "reference/reference.h"
#include "runtime/sampler.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
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

// How many candidates the GPU must hand back for the sampler to see everything
// it could pick: 0 when it needs the whole row (no top-k). Penalties can pull a
// candidate below others, so then a margin past top-k is fetched.
uint32_t gpu_candidates(const runtime::SamplingParams& p) {
    const bool penalties =
        p.repetition_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f;
    uint32_t k = p.greedy() ? 1 : uint32_t(std::max(p.top_k, 0));
    if (k == 0) return 0;
    if (penalties) k = std::max(2 * k, k + 16);
    return std::min<uint32_t>(k, ops::kMaxTopK);
}

// The next token of a growing sequence, from the GPU (top-k candidates
// selected there when sampling allows) or the CPU reference.
class Generator {
public:
    Generator(const RunOptions& o, const LoadedModel& model, const runtime::SamplingParams& params, uint32_t context)
        : model_(model), context_(context) {
        if (o.backend == "reference") return;
        if (o.backend != "gpu") throw InputError("--backend must be gpu or reference, not '" + o.backend + "'");
        instance_ = std::make_shared<vk::Instance>(vk::InstanceOptions::from_environment());
        device_ = std::make_unique<vk::Device>(instance_);
        plan::ForwardOptions options;
        options.storage = plan::parse_matrix_storage(o.weights);
        ProgressBar bar("loading weights", !o.quiet && !o.json);
        options.on_upload_progress = bar.callback();
        options.top_k = std::min(gpu_candidates(params), model.config.vocab_size);
        options.kv_type = kv_type_option(o.kv_type);
        options.kv_budget_bytes = kv_budget_for_context(model.config, context, options.kv_block_size,
                                                        kv_type_on(o.kv_type, device_->caps()));
        forward_ = std::make_unique<plan::GpuForward>(*device_, model.config, model.weights, options);
        context_ = std::min(context_, forward_->max_context());
        max_step_tokens_ = options.max_step_tokens;
    }
    // Tokens the sequence may hold: -c, the model's context, or what the KV cache fits.
    uint32_t context() const { return context_; }
    // Most tokens the GPU takes in one step (a longer prompt is fed in pieces).
    uint32_t max_step_tokens() const { return forward_ ? max_step_tokens_ : 0; }
    // Appends `tokens` without sampling from them (GPU backend: a prompt piece).
    void feed(std::span<const int32_t> tokens) { forward_->step(tokens, true); }
    std::string backend_name() const { return forward_ ? device_->caps().name : "CPU reference"; }
    // KV-cache bytes in use and allocated (GPU backend only).
    // Element type of the KV cache ("none" on the CPU reference).
    std::string kv_type() const { return forward_ ? dtype_traits(forward_->kv_type()).name : "none"; }
    std::pair<uint64_t, uint64_t> kv_bytes() const {
        if (!forward_) return {0, 0};
        auto usage = forward_->kv_usage();
        return {usage.bytes_used, usage.bytes_total};
    }
    // Routing statistics of every MoE layer so far (GPU backend only; empty for dense models).
    std::vector<ops::MoeStats> moe_stats() const { return forward_ ? forward_->moe_stats() : std::vector<ops::MoeStats>{}; }
    // The token after `new_tokens`, the tokens appended since the last call (`all` holds every token so far).
    int32_t next(runtime::Sampler& sampler, std::span<const int32_t> new_tokens, const std::vector<int32_t>& all) {
        if (forward_ && forward_->top_k() > 0) {
            plan::Candidates c = forward_->step_top_k(new_tokens);
            return sampler.sample_shortlist(c.ids, c.logits, all);
        }
        if (forward_) return sampler.sample(forward_->step(new_tokens, true), all);
        std::vector<float> logits = reference_forward(model_.config, model_.weights, all);
        const size_t vocab = model_.config.vocab_size;
        return sampler.sample(std::span<const float>(logits.data() + logits.size() - vocab, vocab), all);
    }

private:
    const LoadedModel& model_;
    uint32_t context_ = 0;
    uint32_t max_step_tokens_ = 0;
    std::shared_ptr<vk::Instance> instance_;
    std::unique_ptr<vk::Device> device_;
    std::unique_ptr<plan::GpuForward> forward_;
};

std::string default_model() {
    if (const char* env = std::getenv("VKLLM_DEFAULT_MODEL")) return env;
    return VKLLM_DEFAULT_MODEL_DIR;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What --moe-stats adds after generation: a report on stderr, or fields of the JSON output.
void report_moe_stats(const std::string& model_path, const LoadedModel& model, const Generator& generator, nlohmann::json* json) {
    if (model.config.moe.num_experts == 0) {
        std::fprintf(stderr, "vkllm: --moe-stats: %s has no MoE layers (a dense model), so there are no routing statistics\n",
                     model_path.c_str());
        if (json) (*json)["moe"] = nlohmann::json::array();
        return;
    }
    std::vector<ops::MoeStats> stats = generator.moe_stats();
    if (json) {
        (*json)["moe"] = moe_stats_json(stats);
        add_moe_summary_json(*json, summarize_moe(stats));
    } else {
        std::fputs(format_moe_report(stats).c_str(), stderr);
    }
}

// A prompt of more tokens than one step takes is fed in pieces (all but its
// last), with a progress bar on a terminal; returns how many tokens it fed.
size_t feed_long_prompt(Generator& generator, const std::vector<int32_t>& tokens, bool show) {
    const size_t step = generator.max_step_tokens();
    if (step == 0 || tokens.size() <= step) return 0;
    const size_t upto = (tokens.size() - 1) / step * step;  // the last piece goes with the first sample
    ProgressBar bar("prompt", show);
    size_t fed = 0;
    while (fed < upto && !interrupted()) {  // Ctrl-C: the generation loop sees the flag next
        generator.feed(std::span<const int32_t>(tokens.data() + fed, step));
        fed += step;
        bar.update_count(fed, tokens.size(), "tokens");
    }
    return fed;
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
    runtime::Sampler sampler(params);
    tokenizer::StreamDecoder stream(tok, true);
    Generator generator(o, model, params, wanted_context);
    if (generator.context() < wanted_context)  // the KV cache that fits in device memory is smaller
        require_fits_context(tokens.size() + o.max_tokens, generator.context(), what + " (the KV cache that fits this device)", "lower -n or -c");
    if (!o.quiet) {
        std::string sampling = params.greedy() ? "greedy" : "seed " + std::to_string(params.seed);
        std::fprintf(stderr, "vkllm: %s on %s, context %u tokens, %s\n", model_path.c_str(),
                     generator.backend_name().c_str(), generator.context(), sampling.c_str());
    }
    if (!o.json) write_stdout(o.prompt);

    const size_t prompt_tokens = tokens.size();
    std::string generated;
    double prompt_s = 0, gen_s = 0;
    uint32_t produced = 0;
    std::string stop_reason = "length";
    auto t_prompt = Clock::now();
    size_t fed = feed_long_prompt(generator, tokens, !o.quiet && !o.json);  // tokens already given to the generator
    prompt_s += seconds_since(t_prompt);
    while (produced < o.max_tokens) {
        if (interrupted()) {
            stop_reason = "interrupted";
            break;
        }
        auto t = Clock::now();
        int32_t next =
            generator.next(sampler, std::span<const int32_t>(tokens.data() + fed, tokens.size() - fed), tokens);
        fed = tokens.size();
        (produced == 0 ? prompt_s : gen_s) += seconds_since(t);
        tokens.push_back(next);
        ++produced;
        if (!o.ignore_eos && tok.eos_id() && next == *tok.eos_id()) {
            stop_reason = "eos";
            break;
        }
        std::string piece = stream.push(next);
        generated += piece;
        if (!o.json) write_stdout(piece);
        // Only the window that the new piece can complete needs searching.
        bool stopped = false;
        for (const auto& stop : o.stop) {
            size_t window = piece.size() + stop.size();
            size_t from = generated.size() > window ? generated.size() - window : 0;
            if (!stop.empty() && generated.find(stop, from) != std::string::npos) stopped = true;
        }
        if (stopped) {
            stop_reason = "stop";
            break;
        }
    }
    std::string tail = stream.flush();
    generated += tail;
    if (!o.json) write_stdout(tail + "\n");  // flushed: the status lines on stderr come after the text

    // The first step processes the prompt; each later step one more token.
    double prompt_tps = prompt_s > 0 ? prompt_tokens / prompt_s : 0;
    double gen_tps = gen_s > 0 && produced > 1 ? (produced - 1) / gen_s : 0;
    if (o.json) {
        nlohmann::json out = {{"model", model_path},
                              {"backend", generator.backend_name()},
                              {"prompt", o.prompt},
                              {"prompt_tokens", prompt_tokens},
                              {"text", generated},
                              {"tokens", std::vector<int32_t>(tokens.begin() + long(prompt_tokens), tokens.end())},
                              {"stop_reason", stop_reason},
                              {"seed", params.seed},
                              {"context", generator.context()},
                              {"load_seconds", load_s},
                              {"kv_type", generator.kv_type()},
                              {"kv_bytes_used", generator.kv_bytes().first},
                              {"kv_bytes_allocated", generator.kv_bytes().second},
                              {"prompt_tokens_per_second", prompt_tps},
                              {"generation_tokens_per_second", gen_tps}};
        if (o.moe_stats) report_moe_stats(model_path, model, generator, &out);
        write_stdout(out.dump() + "\n");
    } else if (!o.quiet) {
        std::fprintf(stderr, "vkllm: prompt %zu tokens at %.1f tokens/s, generated %u tokens at %.1f tokens/s (%s)\n",
                     prompt_tokens, prompt_tps, produced, gen_tps, stop_reason.c_str());
        if (auto [used, total] = generator.kv_bytes(); total > 0)
            std::fprintf(stderr, "vkllm: KV cache (%s) %.2f MiB in use of %.2f MiB allocated\n",
                         generator.kv_type().c_str(), used / 1048576.0,
                         total / 1048576.0);
    }
    if (o.moe_stats && !o.json) report_moe_stats(model_path, model, generator, nullptr);
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
