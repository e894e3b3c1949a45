#pragma once
// The GPU forward pass of a model for one sequence, or a batch of sequences
// stepped together (step_batch): a config and its
// weights become device buffers and, per step size, a command buffer recorded
// once and replayed. Each step appends tokens to the sequence's paged KV cache;
// what changes between steps (token ids, positions, KV slots, block table,
// context length) lives in small host-visible buffers, so a step is one
// submission with no pipeline, descriptor or allocation work. Mixture-of-Experts
// layers route on the device (ops/moe.h), so their recorded steps replay too.
// The KV bookkeeping (kv::KvCache) is planned here, sized by the memory the
// weights leave; the engine's scheduler takes it (take_kv_cache) and then
// hands every step its KV inputs (step_with_kv). Standalone (tests,
// benchmarks), the calls without KV inputs append to the pass's own cache.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kv/gpu_pools.h"
#include "kv/kv_cache.h"
#include "kv/step_inputs.h"
#include "model/config.h"
#include "model/weights.h"
#include "ops/moe.h"
#include "plan/gpu_weights.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::plan {

class Recorder;

struct ForwardOptions {
    MatrixStorage storage = MatrixStorage::AsStored;
    uint32_t max_step_tokens = 64;  // longer inputs are fed in chunks of this many
    uint32_t max_sequences = 1;     // sequences step_batch may hold (ids 0 .. max_sequences - 1)
    uint64_t kv_budget_bytes = 0;   // 0: every sequence's whole context, capped at half the device memory the weights leave
    uint32_t kv_block_size = 16;
    // Element type of the KV cache (kv/kv_type.h: f32, f16, q8_0, q4_0);
    // nullopt: f16 where the device has 16-bit storage, else f32.
    std::optional<DType> kv_type;
    bool profile = false;           // GPU timestamps per dispatch family
    uint32_t top_k = 0;             // > 0: step_top_k() selects this many candidates on the GPU
    // Prefill of f16 weights may round activations to f16 to use cooperative-matrix
    // units where the device has them (relative error ~5e-4 on logits); false keeps f32.
    bool f16_prefill_activations = true;
    // Full KV blocks stay cached by their tokens for later sequences to share
    // (kv/kv_cache.h); off for encoder-only models and dynamic-NTK RoPE.
    bool prefix_cache = true;
    // Recorded programs kept (plan/step_buckets.h: one per shape bucket and
    // output); past it the least recently used one goes and is recorded again when next needed.
    uint32_t max_programs = 64;
    // Unified memory: matrices stored as the kernels read them stay in the
    // mapped model file and are used there (plan/gpu_weights.h).
    bool weights_in_place = true;
    std::function<void(uint64_t, uint64_t)> on_upload_progress;  // weight bytes uploaded, in all (optional)
};

// The best next tokens, selected on the GPU: ids and their logits, best first.
struct Candidates {
    std::vector<int32_t> ids;
    std::vector<float> logits;
};

// One sequence's tokens in a batched step.
struct SequenceTokens {
    uint32_t sequence = 0;
    std::span<const int32_t> tokens;
};

struct StepTiming {
    std::string label;
    double microseconds = 0;
};

class GpuForward {
public:
    GpuForward(vk::Device& device, const ModelConfig& config, const ModelWeights& weights, ForwardOptions options = {});
    ~GpuForward();

    // Appends `tokens` to the sequence and returns row-major logits [n, vocab]
    // for every new token (encoder-only models: final hidden states [n, hidden],
    // and all tokens must come in one call). `last_only` returns just the last row.
    std::vector<float> step(std::span<const int32_t> tokens, bool last_only = false) { return step(0, tokens, last_only); }
    std::vector<float> step(uint32_t sequence, std::span<const int32_t> tokens, bool last_only);
    // Like step(.., true), but reads back only ForwardOptions::top_k candidates
    // for the last token instead of the whole vocabulary row.
    Candidates step_top_k(std::span<const int32_t> tokens) { return step_top_k(0, tokens); }
    Candidates step_top_k(uint32_t sequence, std::span<const int32_t> tokens);
    // Forgets the sequence; its KV blocks return to the pool.
    void reset();

    // Appends every listed sequence's tokens in one step: all of them go
    // through the same dispatches (MoE layers group them by expert together,
    // and a capacity counts them together). Returns each sequence's last-row
    // logits, [batch, vocab] in batch order. The tokens must fit one step
    // (max_step_tokens), each sequence appears at most once. Decoder-only.
    std::vector<float> step_batch(std::span<const SequenceTokens> batch);
    // Like step_batch, but each sequence's last row stays on the device and
    // only its ForwardOptions::top_k candidates come back, in batch order.
    std::vector<Candidates> step_batch_top_k(std::span<const SequenceTokens> batch);
    // The whole logits row of batch entry `index` of the latest step_batch_top_k
    // (it stays on the device until the next step).
    std::vector<float> top_k_step_row(size_t index) const;
    void reset_sequence(uint32_t sequence);
    uint32_t sequence_length(uint32_t sequence) const;
    // Starts the (empty) sequence on the prefix cache's blocks of the longest
    // cached prefix of `tokens`; returns the tokens it holds (to skip).
    uint32_t attach_prefix(uint32_t sequence, std::span<const int32_t> tokens);
    // The (empty) `child` shares every KV block of `parent` (copy-on-write).
    void fork_sequence(uint32_t parent, uint32_t child);

    // The KV bookkeeping, handed to a scheduler that then owns it (once).
    // From then on steps come with their KV inputs (the *_with_kv calls
    // below); the calls above that append to the forward pass's own cache
    // throw Error.
    std::unique_ptr<kv::KvCache> take_kv_cache();
    // Runs one step whose KV inputs the cache's owner built (kv::append_step
    // with block-table rows of kv_table_width(); `copies`: its copy-on-write
    // block copies, run first). The tokens must fit one step. Returns each
    // sequence's last-row logits in batch order, or (`all_rows`) every row's
    // (encoder-only models: final hidden states).
    std::vector<float> step_with_kv(std::span<const SequenceTokens> batch, const kv::StepInputs& kv,
                                    std::span<const kv::BlockCopy> copies, bool all_rows = false);
    // Like step_with_kv, but each last row stays on the device and only its
    // ForwardOptions::top_k candidates come back (top_k_step_row reads a row).
    std::vector<Candidates> step_top_k_with_kv(std::span<const SequenceTokens> batch, const kv::StepInputs& kv,
                                               std::span<const kv::BlockCopy> copies);
    uint32_t kv_table_width() const { return max_blocks_; }
    const kv::KvGeometry& kv_geometry() const { return geometry_; }

    // The single-sequence calls above without a sequence (step, step_top_k, reset) drive sequence 0.
    uint32_t length() const { return lengths_[0]; }
    // Recorded programs held now (at most ForwardOptions::max_programs), and
    // recorded since construction (counting those recorded again after eviction).
    size_t program_count() const { return programs_.size(); }
    uint64_t programs_recorded() const { return programs_recorded_; }
    // Descriptor pools the held programs own (each program frees its own with it).
    size_t descriptor_pool_count() const;
    uint32_t top_k() const { return options_.top_k; }
    // Most tokens the sequence can hold: the model's context or the KV pool, whichever is smaller.
    uint32_t max_context() const { return max_context_; }
    const ModelConfig& config() const { return config_; }
    // Usage of the forward pass's own KV cache (Error once it was taken).
    kv::KvUsage kv_usage() const { return own_cache().usage(); }
    DType kv_type() const { return pools_->type(); }
    const kv::KvCache& kv_cache() const { return own_cache(); }
    uint64_t weight_bytes() const { return weights_.device_bytes(); }
    uint64_t weight_in_place_bytes() const { return weights_.in_place_bytes(); }
    // Why the model file could not be used in place; empty when it was or was not tried.
    const std::string& weight_in_place_problem() const { return weights_.in_place_problem(); }
    // Weight bytes a decode step of `batch` tokens must read: every weight, but
    // of each MoE layer's N routed experts only those its tokens pick (k for one
    // token; for more, the share N * (1 - (1 - k/N)^batch) that uniform routing
    // touches on average).
    uint64_t decode_weight_bytes(uint32_t batch = 1) const;
    // Routing statistics of each MoE layer (empty for a dense model), summed over
    // every token run since construction or reset_moe_stats().
    std::vector<ops::MoeStats> moe_stats() const;
    void reset_moe_stats();
    // GPU time of the last step: per dispatch family (ForwardOptions::profile),
    // else one entry "step" for the whole program (where the device has timestamps).
    const std::vector<StepTiming>& last_timings() const { return timings_; }

private:
    struct Scratch;
    struct Inputs;
    // What a recorded step hands back.
    enum class Output { AllRows, LastRow, TopK };
    // A recorded step depends on the buckets of the step's token and sequence
    // counts (plan/step_buckets.h) and on what it hands back, not on how the
    // tokens split among the sequences (positions, block tables and last rows
    // come from input buffers). A step where every sequence brings one token
    // (decode) has its last rows in place: row b is sequence b's.
    struct ProgramKey {
        uint32_t tokens = 0, sequences = 0;
        Output output = Output::AllRows;
        bool one_row_each = false;
        auto operator<=>(const ProgramKey&) const = default;
    };
    struct Program {
        std::unique_ptr<vk::CommandBuffer> commands;
        uint64_t last_used = 0;
    };
    vk::CommandBuffer& program_for(const ProgramKey& key);
    void record(vk::CommandBuffer& commands, const ProgramKey& key);
    // Throws InputError unless the batch fits one step (step_batch's rules).
    void check_batch(std::span<const SequenceTokens> batch) const;
    // A MoE layer's feed-forward part: src [n, hidden] -> dst (forward_moe.cpp).
    void record_moe(Recorder& r, uint32_t layer, const vk::Buffer& src, const vk::Buffer& dst);
    void allocate_moe(uint32_t max_tokens);
    // The program shape of a step of `batch`.
    ProgramKey program_key(std::span<const SequenceTokens> batch, uint32_t tokens, Output output) const;
    // The step's input buffers, padded to `key`'s rows and sequences.
    void write_inputs(std::span<const SequenceTokens> batch, const kv::StepInputs& step, const ProgramKey& key);
    void write_rope_frequencies(uint32_t sequence_length);
    void check_step(uint32_t sequence, std::span<const int32_t> tokens) const;
    // Runs the tokens in chunks of at most max_step_tokens; the last chunk with `output`.
    void run_chunks(uint32_t sequence, std::span<const int32_t> tokens, Output output, std::vector<float>* all_rows);
    void run_chunk(uint32_t sequence, std::span<const int32_t> tokens, Output output);
    void run_batch(std::span<const SequenceTokens> batch, Output output);
    // Runs copy-on-write block copies (every layer's K and V rows).
    void copy_blocks(std::span<const kv::BlockCopy> copies);
    // The GPU work of one step whose KV inputs are built; its outputs stay on the device.
    void run_step(std::span<const SequenceTokens> batch, const kv::StepInputs& kv,
                  std::span<const kv::BlockCopy> copies, Output output);
    // Throws InputError unless every token is in the vocabulary and the batch fits one step.
    void check_tokens(std::span<const SequenceTokens> batch) const;
    void check_ids(std::span<const int32_t> tokens) const;  // some tokens, each in the vocabulary
    kv::KvCache& own_cache() const;
    // The last top-k step's candidates of its first `rows` sequences.
    std::vector<Candidates> read_candidates(size_t rows);

    vk::Device& device_;
    ModelConfig config_;
    ForwardOptions options_;
    GpuWeights weights_;
    kv::KvGeometry geometry_;
    std::unique_ptr<kv::KvCache> cache_;  // null once a scheduler took it
    std::unique_ptr<kv::GpuKvPools> pools_;
    std::unique_ptr<Scratch> scratch_;
    std::unique_ptr<Inputs> inputs_;
    std::map<ProgramKey, Program> programs_;
    uint64_t program_clock_ = 0;  // steps run, for evicting the least recently used program
    uint64_t programs_recorded_ = 0;
    size_t last_top_k_rows_ = 0;  // rows device_logits holds from the latest top-k step
    std::vector<uint32_t> lengths_;  // tokens held per sequence
    uint32_t max_blocks_ = 0;
    uint32_t max_context_ = 0;  // most tokens the KV pool can hold: the attention split plan covers these
    std::vector<StepTiming> timings_;
    std::unique_ptr<vk::CommandBuffer> copy_commands_;
};

}  // namespace vkllm::plan
