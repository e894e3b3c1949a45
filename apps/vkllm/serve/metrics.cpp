#include "metrics.h"

#include <algorithm>
#include <sstream>

namespace vkllm::serve {

void Histogram::observe(double x) {
    const size_t i = size_t(std::lower_bound(bounds_.begin(), bounds_.end(), x) - bounds_.begin());
    ++counts_[i];
    sum_ += x;
    ++count_;
}

std::string Histogram::text(const std::string& name) const {
    std::ostringstream out;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += counts_[i];
        out << name << "_bucket{le=\"" << bounds_[i] << "\"} " << cumulative << "\n";
    }
    out << name << "_bucket{le=\"+Inf\"} " << count_ << "\n";
    out << name << "_sum " << sum_ << "\n" << name << "_count " << count_ << "\n";
    return out.str();
}

Metrics::Metrics()
    : ttft_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
      itl_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}) {}

void Metrics::count_response(const std::string& route, int status) {
    std::lock_guard lock(mutex_);
    ++responses_[{route, status}];
}

void Metrics::count_tokens(uint64_t prompt, uint64_t generated) {
    std::lock_guard lock(mutex_);
    prompt_tokens_ += prompt;
    generated_tokens_ += generated;
}

void Metrics::count_cancelled() {
    std::lock_guard lock(mutex_);
    ++cancelled_;
}

void Metrics::count_embedded(uint64_t inputs, uint64_t tokens) {
    std::lock_guard lock(mutex_);
    embedded_inputs_ += inputs;
    embedded_tokens_ += tokens;
}

void Metrics::count_prefill(uint64_t computed, uint64_t cached) {
    std::lock_guard lock(mutex_);
    prefill_computed_ += computed;
    prefill_cached_ += cached;
}

void Metrics::count_sampled_rows(uint64_t from_candidates, uint64_t read_whole) {
    std::lock_guard lock(mutex_);
    candidate_rows_ += from_candidates;
    whole_rows_ += read_whole;
}

void Metrics::observe_time_to_first_token(double seconds) {
    std::lock_guard lock(mutex_);
    ttft_.observe(seconds);
}

void Metrics::observe_inter_token(double seconds) {
    std::lock_guard lock(mutex_);
    itl_.observe(seconds);
}

void Metrics::set_load(const LoadGauges& load) {
    std::lock_guard lock(mutex_);
    load_ = load;
}

LoadGauges Metrics::load() const {
    std::lock_guard lock(mutex_);
    return load_;
}

std::string Metrics::prometheus() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    out << "# HELP vkllm_requests_total HTTP responses by route and status.\n# TYPE vkllm_requests_total counter\n";
    for (const auto& [key, n] : responses_)
        out << "vkllm_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << "\n";
    out << "# HELP vkllm_prompt_tokens_total Prompt tokens of finished requests.\n# TYPE vkllm_prompt_tokens_total counter\n"
        << "vkllm_prompt_tokens_total " << prompt_tokens_ << "\n";
    out << "# HELP vkllm_generation_tokens_total Tokens generated.\n# TYPE vkllm_generation_tokens_total counter\n"
        << "vkllm_generation_tokens_total " << generated_tokens_ << "\n";
    out << "# HELP vkllm_prompt_tokens_computed_total Prompt tokens the engine computed (a fork's shared prompt once).\n"
        << "# TYPE vkllm_prompt_tokens_computed_total counter\n"
        << "vkllm_prompt_tokens_computed_total " << prefill_computed_ << "\n";
    out << "# HELP vkllm_prompt_tokens_cached_total Prompt tokens the prefix cache supplied instead of computing them.\n"
        << "# TYPE vkllm_prompt_tokens_cached_total counter\n"
        << "vkllm_prompt_tokens_cached_total " << prefill_cached_ << "\n";
    const uint64_t prompt_work = prefill_computed_ + prefill_cached_;
    out << "# HELP vkllm_prefix_cache_hit_rate Share of prompt tokens the prefix cache supplied (cached / (computed + cached)).\n"
        << "# TYPE vkllm_prefix_cache_hit_rate gauge\n"
        << "vkllm_prefix_cache_hit_rate " << (prompt_work ? double(prefill_cached_) / double(prompt_work) : 0.0) << "\n";
    out << "# HELP vkllm_sampled_rows_from_candidates_total Rows sampled in steps that read back only the GPU's top candidates.\n"
        << "# TYPE vkllm_sampled_rows_from_candidates_total counter\n"
        << "vkllm_sampled_rows_from_candidates_total " << candidate_rows_ << "\n";
    out << "# HELP vkllm_sampled_rows_read_whole_total Of those, rows read whole (sampling that needs the whole distribution, "
           "log-probabilities, or penalties reaching past the candidates).\n"
        << "# TYPE vkllm_sampled_rows_read_whole_total counter\n"
        << "vkllm_sampled_rows_read_whole_total " << whole_rows_ << "\n";
    out << "# HELP vkllm_programs_held Recorded forward programs kept (one per step-shape bucket and output).\n"
        << "# TYPE vkllm_programs_held gauge\n"
        << "vkllm_programs_held " << load_.programs_held << "\n";
    out << "# HELP vkllm_programs_recorded_total Forward programs recorded since start.\n"
        << "# TYPE vkllm_programs_recorded_total counter\n"
        << "vkllm_programs_recorded_total " << load_.programs_recorded << "\n";
    out << "# HELP vkllm_requests_cancelled_total Engine requests cancelled before they finished (client gone, shutdown).\n"
        << "# TYPE vkllm_requests_cancelled_total counter\n"
        << "vkllm_requests_cancelled_total " << cancelled_ << "\n";
    out << "# HELP vkllm_embedding_inputs_total Inputs embedded (/v1/embeddings).\n# TYPE vkllm_embedding_inputs_total counter\n"
        << "vkllm_embedding_inputs_total " << embedded_inputs_ << "\n";
    out << "# HELP vkllm_embedding_tokens_total Tokens of the inputs embedded.\n# TYPE vkllm_embedding_tokens_total counter\n"
        << "vkllm_embedding_tokens_total " << embedded_tokens_ << "\n";
    out << "# HELP vkllm_time_to_first_token_seconds From admission to the first token.\n"
           "# TYPE vkllm_time_to_first_token_seconds histogram\n"
        << ttft_.text("vkllm_time_to_first_token_seconds");
    out << "# HELP vkllm_inter_token_seconds Between consecutive tokens of a request.\n"
           "# TYPE vkllm_inter_token_seconds histogram\n"
        << itl_.text("vkllm_inter_token_seconds");
    out << "# HELP vkllm_requests_running Engine requests being generated.\n# TYPE vkllm_requests_running gauge\n"
        << "vkllm_requests_running " << load_.running << "\n";
    out << "# HELP vkllm_requests_queued Engine requests admitted and waiting for a slot.\n# TYPE vkllm_requests_queued gauge\n"
        << "vkllm_requests_queued " << load_.queued << "\n";
    out << "# HELP vkllm_kv_blocks_used KV-cache blocks held by sequences.\n# TYPE vkllm_kv_blocks_used gauge\n"
        << "vkllm_kv_blocks_used " << load_.kv_blocks_used << "\n";
    out << "# HELP vkllm_kv_blocks_free KV-cache blocks free.\n# TYPE vkllm_kv_blocks_free gauge\n"
        << "vkllm_kv_blocks_free " << load_.kv_blocks_free << "\n";
    out << "# HELP vkllm_kv_blocks_cached Free KV-cache blocks that still hold a cached prompt prefix (part of free).\n"
        << "# TYPE vkllm_kv_blocks_cached gauge\n"
        << "vkllm_kv_blocks_cached " << load_.kv_blocks_cached << "\n";
    return out.str();
}

}  // namespace vkllm::serve
