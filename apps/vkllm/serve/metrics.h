#pragma once
// The server's counters, gauges and histograms, written as Prometheus text
// (GET /metrics). Thread-safe: HTTP threads count responses, the engine
// thread counts tokens and latencies and sets the load gauges.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vkllm::serve {

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
    void observe(double x);
    // Prometheus lines for metric `name` (_bucket, _sum, _count).
    std::string text(const std::string& name) const;

private:
    std::vector<double> bounds_;
    std::vector<uint64_t> counts_;  // per bucket, the last one past every bound
    double sum_ = 0;
    uint64_t count_ = 0;
};

struct LoadGauges {
    uint32_t running = 0, queued = 0;
    uint32_t kv_blocks_used = 0, kv_blocks_free = 0;
    uint32_t kv_blocks_cached = 0;  // free blocks that still hold a cached prefix (counted in free too)
    uint32_t programs_held = 0;     // recorded forward programs kept (one per step-shape bucket)
    uint64_t programs_recorded = 0; // recorded since start, counting those recorded again after eviction
};

class Metrics {
public:
    Metrics();
    void count_response(const std::string& route, int status);
    void count_tokens(uint64_t prompt, uint64_t generated);
    // An engine request that ended cancelled (its client went away, or shutdown).
    void count_cancelled();
    // Inputs embedded (/v1/embeddings) and their tokens.
    void count_embedded(uint64_t inputs, uint64_t tokens);
    // Prompt tokens an engine step computed, and those the prefix cache supplied instead.
    void count_prefill(uint64_t computed, uint64_t cached);
    // Rows a step sampled from the GPU's candidates, and of those the rows read whole.
    void count_sampled_rows(uint64_t from_candidates, uint64_t read_whole);
    void observe_time_to_first_token(double seconds);
    void observe_inter_token(double seconds);
    void set_load(const LoadGauges& load);
    LoadGauges load() const;
    std::string prometheus() const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, uint64_t> responses_;
    uint64_t prompt_tokens_ = 0, generated_tokens_ = 0;
    uint64_t prefill_computed_ = 0, prefill_cached_ = 0;
    uint64_t candidate_rows_ = 0, whole_rows_ = 0;
    uint64_t cancelled_ = 0, embedded_inputs_ = 0, embedded_tokens_ = 0;
    Histogram ttft_, itl_;
    LoadGauges load_;
};

}  // namespace vkllm::serve
