#pragma once
// vkllm as a library: an Engine holds one model on one device and generates
// for any number of requests at once (continuous batching, runtime/scheduler.h).
// Every choice arrives as an option: the engine reads no environment
// variables and no files but the ones it is given.
//
//   vkllm::Engine engine(model, options);                 // device + model + options
//   uint64_t id = engine.submit(request, on_token);       // returns at once
//   while (engine.step()) {}                              // or run_until_done()
//   const vkllm::RequestResult& r = engine.result(id);    // tokens, text, reason, timings
//
// Tokens reach `on_token` as they are produced, from inside step(). cancel()
// ends a request between steps. A request with `keep` leaves its sequence and
// KV cache in place when it finishes, and a later request with `continues` set
// to its id appends to it (a conversation turn by turn); release() drops it.
//
// Shared KV: full blocks of computed tokens stay cached by content, so a
// request whose prompt starts like an earlier one computes only the rest
// (EngineOptions::prefix_cache; RequestTimings::cached_prompt_tokens). A
// request with `n` > 1 gives n completions of one prompt: ids id .. id + n - 1,
// the prompt computed once and its KV blocks shared copy-on-write.
//
// An encoder-only model (BERT family) does not generate: embed(tokens) gives
// its pooled, normalised embedding of the tokens instead.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/sampling_params.h"

namespace vkllm {

struct LoadedModel;
struct ModelConfig;
namespace vk {
class Device;
}
namespace tokenizer {
class Tokenizer;
}
namespace runtime {
class Executor;
}
namespace plan {
class GpuForward;
}
namespace kv {
class KvCache;
}

struct EngineOptions {
    // Device: index or part of its name (empty: the best), a real-device
    // limit profile and a weaker-device override (see README), validation,
    // submission timeout, pipeline-cache folder (empty: none). Used only when
    // the engine makes its own device.
    std::string device;
    std::string device_limits;
    std::string device_profile;
    bool validation = false;
    double gpu_timeout_s = 600;
    std::string pipeline_cache_dir;

    std::string weights = "auto";      // matrix storage on the GPU: auto, f16, f32
    uint32_t context = 0;              // most tokens a sequence may hold; 0: the model's (as far as the KV pool allows)
    uint64_t kv_budget_bytes = 0;      // 0: `context` tokens of every sequence, within device memory
    std::string kv_type = "auto";      // KV cache element type (kv/kv_type.h): auto, f32, f16, q8_0, q4_0
    uint32_t max_sequences = 1;        // requests running at once
    uint32_t step_tokens = 64;         // token budget of one step (decodes + prefill chunks)
    uint32_t gpu_shortlist = 0;        // > 0: steps whose sampling requests all need at most this many candidates read back only those (GPU top-k per row)
    bool profile = false;              // GPU timestamps per dispatch family (StepStats::gpu), not only per step
    bool prefix_cache = true;          // reuse cached KV blocks of earlier prompts (off: every prompt is computed)
    // Unified memory: matrices are read where the mapped model file holds them
    // (MemoryUse::weight_in_place_bytes); the file must then stay unchanged while the engine lives.
    bool weights_in_place = true;
    const tokenizer::Tokenizer* tokenizer = nullptr;  // for text prompts, text pieces and stop strings (kept by the caller)
    std::function<void(uint64_t, uint64_t)> on_upload_progress;  // weight bytes uploaded, in all
};

// A token and its log-probability under the model (Request::top_logprobs).
struct TokenAlternative {
    int32_t token = -1;
    float logprob = 0;
};

enum class FinishReason { None, Length, Eos, StopToken, StopString, ContextFull, Cancelled };
const char* finish_reason_name(FinishReason reason);  // "length", "eos", "stop", "context", "interrupted"

struct Request {
    std::vector<int32_t> prompt;       // tokens; empty: `text` is encoded (with the tokenizer's BOS)
    std::string text;
    runtime::SamplingParams sampling;  // temperature 0: greedy
    uint32_t max_tokens = 16;
    bool stop_at_eos = true;           // the tokenizer's EOS ends the request
    std::vector<int32_t> stop_tokens;  // any of these ends it (not kept in the sequence)
    std::vector<std::string> stop;     // generated text containing one of these ends it
    bool logprobs = false;             // each token's log-probability under the model (full rows are read)
    uint32_t top_logprobs = 0;         // with logprobs: also this many most likely tokens at each step (at most kMaxTopLogprobs)
    bool keep = false;                 // keep the sequence and its KV cache after finishing
    uint64_t continues = 0;            // id of a finished `keep` request whose sequence this one extends
    // Completions of this prompt (ids id .. id + n - 1 from submit()), sharing
    // its KV; completion i samples with seeds[i], or sampling.seed + i when
    // `seeds` is empty. Not with `keep`.
    uint32_t n = 1;
    std::vector<uint64_t> seeds;
};

struct TokenEvent {
    uint64_t request = 0;
    int32_t token = -1;        // -1: none (the request finished without a new token)
    std::string text;          // the text this token completes (may be empty)
    float logprob = 0;         // when Request::logprobs
    std::vector<TokenAlternative> top_logprobs;  // Request::top_logprobs of them, most likely first
    FinishReason finished = FinishReason::None;
};

struct RequestTimings {
    double queued_s = 0;       // submit to the first step that computed its tokens
    double prefill_s = 0;      // that step to the first new token
    double decode_s = 0;       // first to last new token
    uint32_t prompt_tokens = 0, generated = 0;
    uint32_t preemptions = 0;  // times its blocks were taken back and its tokens recomputed
    // Tokens of its sequence it did not compute: prefix-cache hits (counted at
    // each start, a restart after preemption too), or a fork's shared prompt.
    uint32_t cached_prompt_tokens = 0;
};

struct RequestResult {
    std::vector<int32_t> tokens;  // generated, including a final EOS or stop token
    std::vector<float> logprobs;  // per token, when asked
    std::vector<std::vector<TokenAlternative>> top_logprobs;  // per token, when Request::top_logprobs > 0
    std::string text;
    FinishReason reason = FinishReason::None;
    RequestTimings timings;
    uint32_t context_tokens = 0;  // tokens of the sequence in the KV cache when it finished
    uint64_t kv_bytes = 0;        // KV-cache bytes its sequence held then
};

constexpr uint32_t kMaxTopLogprobs = 20;  // as OpenAI's top_logprobs

struct StepTiming {
    std::string label;
    double microseconds = 0;
};

struct StepStats {
    uint32_t prefill_tokens = 0, decode_tokens = 0;  // tokens the step computed
    uint32_t cached_tokens = 0;                      // prompt tokens the prefix cache supplied instead
    uint32_t sequences = 0;
    // Rows sampled in a step that read back GPU candidates (EngineOptions::gpu_shortlist),
    // and of those the rows read whole after all (sampling over the whole
    // distribution, log-probabilities, or penalties reaching past the candidates).
    uint32_t shortlist_rows = 0, whole_rows_fetched = 0;
    double wall_s = 0;
    std::vector<StepTiming> gpu;  // per dispatch family with EngineOptions::profile, else one "step" entry
};

// Memory an engine holds (Engine::memory): what a user on an integrated GPU,
// where device and host share one RAM, needs to see at load.
struct MemoryUse {
    uint64_t weight_bytes = 0;        // the weights on the device
    // Of weight_bytes: read by the GPU where the mapped model file holds them
    // (unified memory with VK_EXT_external_memory_host), so neither copied
    // nor counted in device_local_bytes.
    uint64_t weight_in_place_bytes = 0;
    uint64_t kv_bytes = 0;            // the KV pools allocated
    uint64_t device_local_bytes = 0;  // every live buffer in device-local memory (weights, KV, activations)
    uint64_t host_visible_bytes = 0;  // every other live buffer (staging, readback, inputs)
    uint64_t host_peak_resident_bytes = 0;  // the process's peak resident set; 0 where unknown
};

class Engine {
public:
    using TokenCallback = std::function<void(const TokenEvent&)>;

    // Its own device, chosen by the options.
    Engine(const LoadedModel& model, EngineOptions options);
    // On a device the caller owns and keeps alive.
    Engine(vk::Device& device, const LoadedModel& model, EngineOptions options);
    // On any executor (e.g. the CPU reference).
    Engine(std::unique_ptr<runtime::Executor> executor, const ModelConfig& config, EngineOptions options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Throws InputError for a request the engine cannot take (empty prompt,
    // token outside the vocabulary, longer than the context, unknown `continues`,
    // n of 0 or with `keep`, seeds not n). Returns the first completion's id.
    uint64_t submit(Request request, TokenCallback on_token = {});
    // One scheduler step; false when no request has work left.
    bool step();
    void run_until_done();
    // Ends a request between steps (FinishReason::Cancelled); its on_token hears it.
    void cancel(uint64_t request);
    // Drops a kept sequence (Request::keep).
    void release(uint64_t request);
    // Drops the record of a finished request (its result, and a kept sequence),
    // so a long-running client such as a server holds nothing per request it
    // has answered; the id is unknown afterwards. An unfinished request is an
    // input error (cancel it first).
    void forget(uint64_t request);
    bool finished(uint64_t request) const;
    const RequestResult& result(uint64_t request) const;
    // Prompt tokens computed so far and in all (for a progress display).
    std::pair<uint32_t, uint32_t> prompt_progress(uint64_t request) const;
    // Tokens of a kept sequence (in the KV cache, plus one sampled but not yet fed).
    uint32_t sequence_tokens(uint64_t request) const;

    // Every row's logits of a fresh sequence, [tokens, vocab] (perplexity);
    // runs alone, between steps, in an idle slot.
    std::vector<float> score(const std::vector<int32_t>& tokens);
    // Encoder-only models (which embed and do not generate: submit() refuses
    // them): the embedding of the tokens, the last hidden states pooled as the
    // model config says (ModelConfig::pooling, runtime/pooling.h) and
    // L2-normalised, embedding_size() values. Runs alone, between steps.
    std::vector<float> embed(const std::vector<int32_t>& tokens);
    bool embeds() const;
    uint32_t embedding_size() const;

    uint32_t context() const;          // most tokens a sequence may hold here
    uint32_t max_context() const;      // what the KV pool and the model allow
    std::string device_name() const;
    uint64_t preemptions() const;
    const StepStats& last_step() const;
    std::pair<uint64_t, uint64_t> kv_bytes() const;  // in use, allocated (GPU)
    std::string kv_type() const;                     // the KV cache's element type ("none" off the GPU)
    MemoryUse memory() const;                        // device buffers and host peak, now
    uint32_t kv_blocks_used() const;                 // GPU; 0 otherwise
    // The paged KV cache the scheduler owns (GPU; null otherwise).
    const kv::KvCache* kv_cache() const;
    vk::Device* device();                            // the GPU's, or null for other executors
    plan::GpuForward* gpu_forward();                 // the GPU forward pass (statistics), or null

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vkllm
