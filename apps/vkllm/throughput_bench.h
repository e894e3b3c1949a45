#pragma once
// `vkllm bench --requests N`: serving throughput in the spirit of vLLM's
// benchmark. N requests with prompt and output lengths drawn from ranges
// arrive all at once (offline) or as a Poisson process of a given rate, and
// the engine batches them continuously. Reports requests/s, output tokens/s,
// time to first token and inter-token latency (p50 / p99). A shared prefix
// (the same leading tokens in every prompt, like a system prompt) shows what
// the prefix cache saves.
#include <cstdint>
#include <string>

namespace vkllm::cli {

struct ThroughputOptions {
    std::string model, storage = "auto";
    uint32_t requests = 0;
    std::string prompt_len = "128", gen_len = "32";  // "N" or "A-B" (uniform, inclusive)
    double rate = 0;                                 // requests per second; 0: all at once
    uint32_t shared_prefix = 0;                      // leading prompt tokens every request shares (a system prompt)
    uint32_t max_sequences = 8, step_tokens = 512;
    uint64_t seed = 1;
    // Every request's sampling: greedy by default; a temperature > 0 (with
    // top-k / top-p) samples with seed `seed + i` for request i, the way
    // OpenAI-style clients ask.
    float temperature = 0.f, top_p = 1.f;
    int32_t top_k = 0;
    bool json = false;
};

int run_throughput(const ThroughputOptions& o);

}  // namespace vkllm::cli
