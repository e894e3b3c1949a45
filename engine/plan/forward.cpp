#include "plan/forward.h"
#include "plan/step_buckets.h"
#include "plan/forward_state.h"
#include "plan/recorder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kv/kv_type.h"
#include "kv/step_inputs.h"
#include "model/alibi_slopes.h"
#include "model/expected_tensors.h"
#include "model/rope_frequencies.h"
#include "model/sinusoidal.h"
#include "ops/attention.h"
#include "ops/eltwise.h"
#include "ops/embedding.h"
#include "ops/gated.h"
#include "ops/kv_write.h"
#include "ops/linear.h"
#include "ops/rope.h"
#include "ops/rows.h"
#include "ops/topk.h"
#include "vkllm/error.h"

namespace vkllm::plan {

namespace {

using vk::Buffer;
using vk::BufferKind;

std::unique_ptr<Buffer> device_buffer(vk::Device& d, uint64_t floats, const char* name) {
    return std::make_unique<Buffer>(d, floats * 4, BufferKind::Device, name);
}

std::unique_ptr<Buffer> host_buffer(vk::Device& d, uint64_t words, const char* name) {
    return std::make_unique<Buffer>(d, words * 4, BufferKind::Upload, name);
}

void check_supported(const ModelConfig& c) {
    if (!c.norm_before && c.block == BlockLayout::ParallelResidual)
        throw InputError(c.source_path + ": post-norm with a parallel residual is not supported");
}

}  // namespace

GpuForward::GpuForward(vk::Device& device, const ModelConfig& config, const ModelWeights& weights,
                       ForwardOptions options)
    : device_(device), config_(config), options_(options), weights_(device, weights, options.storage, options.on_upload_progress, options.weights_in_place) {
    check_supported(config_);
    const uint32_t heads = config_.num_heads, kvh = config_.kv_heads(), hd = config_.head_size();
    const uint32_t hidden = config_.hidden_size;
    const bool encoder = config_.kind == ModelKind::EncoderOnly;
    if (encoder) options_.max_step_tokens = std::max(options_.max_step_tokens, config_.max_position);
    const uint32_t t = std::min(options_.max_step_tokens, config_.max_position);
    options_.max_step_tokens = t;
    if (options_.max_sequences < 1 || options_.max_sequences > t)
        throw InputError("max_sequences " + std::to_string(options_.max_sequences) + " is outside [1, " +
                         std::to_string(t) + " = the tokens of one step]");
    const uint32_t seqs = options_.max_sequences;
    lengths_.assign(seqs, 0);

    const DType kv_type = kv::resolve_cache_type(options_.kv_type, device.caps().storage_16bit);
    kv::check_cache_type(kv_type, hd);
    if (kv_type == DType::F16 && !device.caps().storage_16bit)
        throw DeviceError(device.caps().name + " has no 16-bit storage for an f16 KV cache; use f32 or q8_0");
    kv::KvGeometry geometry{config_.num_layers, kvh, hd, options_.kv_block_size, kv_type};
    max_blocks_ = (config_.max_position + geometry.block_size - 1) / geometry.block_size;
    // Default budget: the whole context of every sequence, but at most half of
    // the device-local memory the weights leave free.
    uint64_t budget = options_.kv_budget_bytes;
    if (budget == 0) {
        const uint64_t whole_context = uint64_t(max_blocks_) * geometry.bytes_per_block() * seqs;
        const uint64_t local = device.caps().device_local_bytes();
        const uint64_t free_after_weights = local > weights_.device_bytes() ? local - weights_.device_bytes() : 0;
        budget = std::min(whole_context, free_after_weights / 2);
        budget = std::max(budget, geometry.bytes_per_block());
    }
    uint32_t blocks = uint32_t(std::min<uint64_t>(kv::blocks_for_budget(geometry, budget), uint64_t(max_blocks_) * seqs));
    // Dynamic NTK: a block's keys depend on the length they were computed at, so no sharing by content.
    const bool dynamic_ntk =
        config_.position == PositionEncoding::RoPE && config_.rope.scaling == RopeScaling::DynamicNTK;
    geometry_ = geometry;
    cache_ = std::make_unique<kv::KvCache>(geometry, blocks, options_.prefix_cache && !encoder && !dynamic_ntk);
    max_context_ = uint32_t(std::min<uint64_t>(config_.max_position, uint64_t(blocks) * geometry.block_size));
    pools_ = std::make_unique<kv::GpuKvPools>(device, geometry, blocks);

    const uint32_t inter = std::max({config_.ffn.intermediate_size, config_.moe.shared_experts ? shared_expert_intermediate(config_) : 0u, 1u});
    scratch_ = std::make_unique<Scratch>();
    Scratch& s = *scratch_;
    s.x = device_buffer(device, uint64_t(t) * hidden, "residual stream");
    s.h = device_buffer(device, uint64_t(t) * hidden, "normed activations");
    s.h2 = device_buffer(device, uint64_t(t) * hidden, "second normed activations");
    s.q = device_buffer(device, uint64_t(t) * heads * hd, "queries");
    s.k = device_buffer(device, uint64_t(t) * kvh * hd, "keys");
    s.v = device_buffer(device, uint64_t(t) * kvh * hd, "values");
    s.attn = device_buffer(device, uint64_t(t) * std::max(heads, kvh) * hd, "attention output");
    s.proj = device_buffer(device, uint64_t(t) * hidden, "projection");
    s.proj2 = device_buffer(device, uint64_t(t) * hidden, "second projection");
    s.ffn_a = device_buffer(device, uint64_t(t) * inter, "ffn up");
    s.ffn_b = device_buffer(device, uint64_t(t) * inter, "ffn gate");
    s.last_row = device_buffer(device, uint64_t(seqs) * hidden, "last rows");
    // Split-K partial sums of few-row products (Recorder::use_split_partials):
    // its regions hold up to four splits of the widest product of a full step, at most 8 MiB each.
    const uint64_t widest = std::max({uint64_t(hidden), uint64_t(heads) * hd, uint64_t(inter)});
    const uint64_t region_floats = std::min<uint64_t>(4 * uint64_t(t) * widest, (8u << 20) / 4);
    s.split_partials = device_buffer(device, Recorder::kSplitRegions * ((region_floats * 4 + 255) / 256 * 256) / 4,
                                     "split-K partial sums");
    if (config_.moe.num_experts > 0) allocate_moe(t);
    const uint64_t out_cols = encoder ? hidden : config_.vocab_size;
    s.out = std::make_unique<Buffer>(device, uint64_t(t) * out_cols * 4, BufferKind::Readback, "logits");

    ops::AttentionSpec spec;
    spec.heads = heads;
    spec.kv_heads = kvh;
    spec.head_dim = hd;
    spec.block_size = geometry.block_size;
    // The split count (and so the scratch) depends on the step size: size for the largest need.
    uint64_t scratch_bytes = 0;
    for (uint32_t n = 1; n <= t; ++n)
        for (uint32_t b = 1; b <= std::min(n, seqs); ++b) {
            ops::AttentionShape shape{n, b, max_blocks_, max_context_};
            scratch_bytes = std::max(scratch_bytes, ops::attention_scratch_bytes(device.caps(), spec, shape));
        }
    if (scratch_bytes) s.attention_scratch = std::make_unique<Buffer>(device, scratch_bytes, BufferKind::Device, "attention scratch");

    inputs_ = std::make_unique<Inputs>();
    Inputs& in = *inputs_;
    if (options_.top_k > 0 && !encoder) {
        const uint32_t k = std::min(options_.top_k, config_.vocab_size);
        // One logits row and one candidate list per sequence of a batched step.
        s.device_logits = device_buffer(device, uint64_t(seqs) * config_.vocab_size, "next-token logits");
        s.topk_ids = std::make_unique<Buffer>(device, uint64_t(seqs) * k * 4, BufferKind::Readback, "top-k ids");
        s.topk_values = std::make_unique<Buffer>(device, uint64_t(seqs) * k * 4, BufferKind::Readback, "top-k logits");
        s.topk_scratch = std::make_unique<Buffer>(
            device, std::max<uint64_t>(ops::topk_scratch_bytes(device.caps(), seqs, config_.vocab_size, k), 4),
            BufferKind::Device, "top-k scratch");
    }

    in.ids = host_buffer(device, t, "token ids");
    in.positions = host_buffer(device, t, "positions");
    in.position_ids = host_buffer(device, t, "position rows");
    in.type_ids = host_buffer(device, t, "token types");
    in.slots = host_buffer(device, t, "kv slots");
    in.seq_index = host_buffer(device, t, "sequence index");
    in.context_len = host_buffer(device, seqs, "context lengths");
    in.last_rows = host_buffer(device, seqs, "last rows of the sequences");
    in.block_table = host_buffer(device, uint64_t(seqs) * max_blocks_, "block tables");
    in.inv_freq = host_buffer(device, std::max(hd / 2, 1u), "rope inverse frequencies");
    if (config_.position == PositionEncoding::RoPE && config_.rope.local_theta > 0)
        in.inv_freq_local = host_buffer(device, std::max(hd / 2, 1u), "local-layer rope inverse frequencies");
    in.alibi_slopes = host_buffer(device, heads, "alibi slopes");
    if (config_.position == PositionEncoding::Sinusoidal)
        in.sinusoidal_rows = host_buffer(device, uint64_t(t) * hidden, "sinusoidal positions");
    std::memset(in.type_ids->mapped(), 0, in.type_ids->size());
    if (config_.position == PositionEncoding::ALiBi) {
        auto slopes = alibi_slopes(heads);
        auto* dst = static_cast<float*>(in.alibi_slopes->mapped());
        for (uint32_t h = 0; h < heads; ++h) dst[h] = float(slopes[h]);
    }
    if (config_.position == PositionEncoding::RoPE) write_rope_frequencies(1);
    reset();
}

GpuForward::~GpuForward() = default;

void GpuForward::reset() {
    for (uint32_t s = 0; s < lengths_.size(); ++s) reset_sequence(s);
}

void GpuForward::reset_sequence(uint32_t sequence) {
    if (sequence >= lengths_.size())
        throw InputError("sequence " + std::to_string(sequence) + " is outside [0, " + std::to_string(lengths_.size()) + ")");
    if (own_cache().contains(int32_t(sequence))) own_cache().free_sequence(int32_t(sequence));
    lengths_[sequence] = 0;
}

uint32_t GpuForward::sequence_length(uint32_t sequence) const {
    if (sequence >= lengths_.size())
        throw InputError("sequence " + std::to_string(sequence) + " is outside [0, " + std::to_string(lengths_.size()) + ")");
    return lengths_[sequence];
}

uint32_t GpuForward::attach_prefix(uint32_t sequence, std::span<const int32_t> tokens) {
    if (sequence_length(sequence) != 0)
        throw InputError("sequence " + std::to_string(sequence) + " holds tokens; a cached prefix starts an empty one");
    if (own_cache().contains(int32_t(sequence))) own_cache().free_sequence(int32_t(sequence));
    const uint32_t cached = own_cache().attach_prefix(int32_t(sequence), tokens);
    lengths_[sequence] = cached;
    return cached;
}

void GpuForward::fork_sequence(uint32_t parent, uint32_t child) {
    if (sequence_length(child) != 0 || parent == child)
        throw InputError("sequence " + std::to_string(child) + " holds tokens; a fork of " + std::to_string(parent) +
                         " needs an empty one");
    if (own_cache().contains(int32_t(child))) own_cache().free_sequence(int32_t(child));
    if (!own_cache().contains(int32_t(parent)))
        throw InputError("sequence " + std::to_string(parent) + " holds no tokens to fork");
    own_cache().fork(int32_t(parent), int32_t(child));
    lengths_[child] = lengths_[parent];
}

std::unique_ptr<kv::KvCache> GpuForward::take_kv_cache() {
    if (!cache_) throw Error("GpuForward: its KV cache was already handed over");
    return std::move(cache_);
}

kv::KvCache& GpuForward::own_cache() const {
    if (!cache_)
        throw Error("GpuForward: its KV cache belongs to a scheduler now; steps come with their KV inputs (step_with_kv)");
    return *cache_;
}

void GpuForward::copy_blocks(std::span<const kv::BlockCopy> copies) {
    if (copies.empty()) return;
    if (!copy_commands_) copy_commands_ = std::make_unique<vk::CommandBuffer>(device_);
    // A block is block_size consecutive slots of every pool buffer.
    const uint64_t bytes = uint64_t(geometry_.block_size) *
                           kv::slot_bytes(pools_->type(), uint64_t(config_.kv_heads()) * config_.head_size());
    copy_commands_->begin();
    for (uint32_t layer = 0; layer < config_.num_layers; ++layer)
        for (const kv::BlockCopy& c : copies) {
            const uint64_t from = uint64_t(c.from) * bytes, to = uint64_t(c.to) * bytes;
            copy_commands_->copy(pools_->keys(layer), from, pools_->keys(layer), to, bytes);
            if (!pools_->fused()) copy_commands_->copy(pools_->values(layer), from, pools_->values(layer), to, bytes);
        }
    copy_commands_->barrier();
    copy_commands_->end();
    copy_commands_->submit_and_wait();
}

size_t GpuForward::descriptor_pool_count() const {
    size_t pools = 0;
    for (const auto& [key, program] : programs_) pools += program.commands->descriptor_pool_count();
    return pools;
}

vk::CommandBuffer& GpuForward::program_for(const ProgramKey& key) {
    ++program_clock_;
    auto it = programs_.find(key);
    if (it != programs_.end()) {
        it->second.last_used = program_clock_;
        return *it->second.commands;
    }
    // Past max_programs shapes the least recently used program goes (with its
    // descriptor pools); programs only run inside a step, so none is in flight.
    if (programs_.size() >= std::max(options_.max_programs, 1u))
        programs_.erase(std::min_element(programs_.begin(), programs_.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
        }));
    // Profiling: a timestamp per phase; otherwise one at the end, so that every
    // step still reports its GPU time (two timestamps cost nothing measurable).
    uint32_t stamps = options_.profile ? 40 * config_.num_layers + 16 : 1;
    auto commands = std::make_unique<vk::CommandBuffer>(device_, stamps);
    commands->begin();
    record(*commands, key);
    ++programs_recorded_;
    if (!options_.profile) commands->timestamp("step");
    commands->end();
    return *programs_.emplace(key, Program{std::move(commands), program_clock_}).first->second.commands;
}

GpuForward::ProgramKey GpuForward::program_key(std::span<const SequenceTokens> batch, uint32_t tokens,
                                               Output output) const {
    const uint32_t sequences = uint32_t(batch.size());
    // MoE layers route every row, padded ones too (their statistics would
    // count them): MoE models keep the exact token count.
    const uint32_t rows =
        config_.moe.num_experts > 0 ? tokens : token_bucket(tokens, options_.max_step_tokens);
    const uint32_t sequence_cap = std::min<uint32_t>(uint32_t(lengths_.size()), rows);
    if (tokens == sequences) {  // one row each: as many sequences as rows, the padded ones one padded row each
        const uint32_t both = std::min(rows, uint32_t(lengths_.size()));
        return {both, both, output, true};
    }
    return {rows, sequence_bucket(sequences, sequence_cap), output, false};
}

void GpuForward::write_inputs(std::span<const SequenceTokens> batch, const kv::StepInputs& step, const ProgramKey& key) {
    Inputs& in = *inputs_;
    auto* ids = static_cast<int32_t*>(in.ids->mapped());
    auto* slots = static_cast<int32_t*>(in.slots->mapped());
    auto* pos = static_cast<int32_t*>(in.positions->mapped());
    auto* pos_rows = static_cast<int32_t*>(in.position_ids->mapped());
    auto* seq_index = static_cast<int32_t*>(in.seq_index->mapped());
    auto* context = static_cast<int32_t*>(in.context_len->mapped());
    auto* tables = static_cast<int32_t*>(in.block_table->mapped());
    auto* last_rows = static_cast<int32_t*>(in.last_rows->mapped());
    auto* sinusoidal = config_.position == PositionEncoding::Sinusoidal ? static_cast<float*>(in.sinusoidal_rows->mapped()) : nullptr;
    // What the KV cache decided (kv::append_step): each row's slot, sequence
    // and position, each sequence's context and block-table row.
    std::copy(step.slots.begin(), step.slots.end(), slots);
    std::copy(step.seq_index.begin(), step.seq_index.end(), seq_index);
    std::copy(step.positions.begin(), step.positions.end(), pos);
    std::copy(step.context_lens.begin(), step.context_lens.end(), context);
    std::copy(step.block_table.begin(), step.block_table.end(), tables);
    // Each row's token and what the position encodings read; each sequence's last row.
    uint32_t row = 0;
    for (uint32_t b = 0; b < batch.size(); ++b) {
        for (int32_t token : batch[b].tokens) {
            ids[row] = token;
            pos_rows[row] = step.positions[row] + int32_t(config_.learned_position_offset);
            if (sinusoidal) {
                // Rows of the fixed table, computed here rather than stored for the whole context.
                float* dst = sinusoidal + size_t(row) * config_.hidden_size;
                std::fill(dst, dst + config_.hidden_size, 0.0f);
                add_sinusoidal_position(dst, config_.hidden_size, uint32_t(step.positions[row]));
            }
            ++row;
        }
        last_rows[b] = int32_t(row - 1);
    }
    // Padding (plan/step_buckets.h): rows of no sequence, sequences of no block.
    for (; row < key.tokens; ++row) {
        ids[row] = 0;
        pos[row] = 0;
        pos_rows[row] = int32_t(config_.learned_position_offset);
        seq_index[row] = -1;
        slots[row] = -1;
    }
    for (uint32_t b = uint32_t(batch.size()); b < key.sequences; ++b) {
        context[b] = 0;
        last_rows[b] = key.one_row_each ? int32_t(b) : 0;
        std::fill(tables + size_t(b) * max_blocks_, tables + size_t(b + 1) * max_blocks_, kv::KvCache::kReleased);
    }
    // Dynamic NTK frequencies follow the sequence length; every other scaling is fixed.
    if (config_.position == PositionEncoding::RoPE && config_.rope.scaling == RopeScaling::DynamicNTK)
        write_rope_frequencies(uint32_t(step.context_lens[0]));
}

void GpuForward::write_rope_frequencies(uint32_t sequence_length) {
    const auto write = [&](const RopeConfig& rope, vk::Buffer& buffer) {
        std::vector<double> inv = rope_inverse_frequencies(rope, rotary_dims(config_), sequence_length);
        auto* dst = static_cast<float*>(buffer.mapped());
        for (size_t i = 0; i < inv.size(); ++i) dst[i] = float(inv[i]);
    };
    write(config_.rope, *inputs_->inv_freq);
    // The local layers' plain RoPE does not change with the length; written
    // here beside the other so that both come from one place.
    if (inputs_->inv_freq_local) write(local_rope(config_), *inputs_->inv_freq_local);
}

void GpuForward::check_ids(std::span<const int32_t> tokens) const {
    if (tokens.empty()) throw InputError("forward step without tokens");
    for (int32_t id : tokens)
        if (id < 0 || uint32_t(id) >= config_.vocab_size)
            throw InputError("token id " + std::to_string(id) + " is outside the vocabulary of " +
                             std::to_string(config_.vocab_size));
}

void GpuForward::check_step(uint32_t sequence, std::span<const int32_t> tokens) const {
    check_ids(tokens);
    const uint32_t length = sequence_length(sequence);
    if (uint64_t(length) + tokens.size() > config_.max_position)
        throw InputError(std::to_string(length + tokens.size()) + " tokens exceed the model's context of " +
                         std::to_string(config_.max_position));
    if (config_.kind == ModelKind::EncoderOnly && (length > 0 || tokens.size() > options_.max_step_tokens))
        throw InputError("an encoder-only model takes all its tokens in one step");
}

std::vector<float> GpuForward::step(uint32_t sequence, std::span<const int32_t> tokens, bool last_only) {
    check_step(sequence, tokens);
    const uint32_t cols = config_.kind == ModelKind::EncoderOnly ? config_.hidden_size : config_.vocab_size;
    std::vector<float> out;
    run_chunks(sequence, tokens, last_only ? Output::LastRow : Output::AllRows, last_only ? nullptr : &out);
    if (last_only) {
        out.resize(cols);
        vk::download(device_, *scratch_->out, out.data(), out.size() * 4);
    }
    return out;
}

Candidates GpuForward::step_top_k(uint32_t sequence, std::span<const int32_t> tokens) {
    if (options_.top_k == 0) throw Error("step_top_k needs ForwardOptions::top_k > 0");
    if (config_.kind == ModelKind::EncoderOnly) throw InputError("an encoder-only model has no next-token candidates");
    check_step(sequence, tokens);
    run_chunks(sequence, tokens, Output::TopK, nullptr);
    Candidates c;
    const uint32_t k = std::min(options_.top_k, config_.vocab_size);
    c.ids.resize(k);
    c.logits.resize(k);
    vk::download(device_, *scratch_->topk_ids, c.ids.data(), k * 4);
    vk::download(device_, *scratch_->topk_values, c.logits.data(), k * 4);
    return c;
}

void GpuForward::run_chunks(uint32_t sequence, std::span<const int32_t> tokens, Output output, std::vector<float>* all_rows) {
    const uint32_t cols = config_.kind == ModelKind::EncoderOnly ? config_.hidden_size : config_.vocab_size;
    for (size_t first = 0; first < tokens.size(); first += options_.max_step_tokens) {
        size_t count = std::min<size_t>(options_.max_step_tokens, tokens.size() - first);
        bool last_chunk = first + count == tokens.size();
        // Chunks before the last only fill the KV cache, unless every row is wanted.
        run_chunk(sequence, tokens.subspan(first, count),
                  last_chunk || output == Output::AllRows ? output : Output::LastRow);
        if (all_rows) {
            size_t at = all_rows->size();
            all_rows->resize(at + count * cols);
            vk::download(device_, *scratch_->out, all_rows->data() + at, count * cols * 4);
        }
    }
}

void GpuForward::check_batch(std::span<const SequenceTokens> batch) const {
    if (config_.kind == ModelKind::EncoderOnly) throw InputError("an encoder-only model has no batched steps");
    check_tokens(batch);
    std::vector<bool> seen(lengths_.size(), false);
    uint64_t blocks = 0;
    for (const SequenceTokens& item : batch) {
        check_step(item.sequence, item.tokens);
        if (seen[item.sequence])
            throw InputError("sequence " + std::to_string(item.sequence) + " appears twice in one batched step");
        seen[item.sequence] = true;
        blocks += own_cache().blocks_needed(int32_t(item.sequence), uint32_t(item.tokens.size()));
    }
    if (blocks > own_cache().free_blocks())
        throw InputError("the KV cache has " + std::to_string(own_cache().free_blocks()) + " free blocks, the batch needs " +
                         std::to_string(blocks));
    if (batch.size() > 1 && config_.position == PositionEncoding::RoPE && config_.rope.scaling == RopeScaling::DynamicNTK)
        throw InputError("dynamic-NTK RoPE depends on each sequence's length, so its sequences step one at a time");
}

std::vector<float> GpuForward::step_batch(std::span<const SequenceTokens> batch) {
    check_batch(batch);
    run_batch(batch, Output::LastRow);
    std::vector<float> out(batch.size() * size_t(config_.vocab_size));
    vk::download(device_, *scratch_->out, out.data(), out.size() * 4);
    return out;
}

std::vector<Candidates> GpuForward::step_batch_top_k(std::span<const SequenceTokens> batch) {
    if (options_.top_k == 0) throw Error("step_batch_top_k needs ForwardOptions::top_k > 0");
    check_batch(batch);
    run_batch(batch, Output::TopK);
    return read_candidates(batch.size());
}

std::vector<Candidates> GpuForward::read_candidates(size_t rows) {
    last_top_k_rows_ = rows;
    const uint32_t k = std::min(options_.top_k, config_.vocab_size);
    std::vector<int32_t> ids(rows * size_t(k));
    std::vector<float> logits(ids.size());
    vk::download(device_, *scratch_->topk_ids, ids.data(), ids.size() * 4);
    vk::download(device_, *scratch_->topk_values, logits.data(), logits.size() * 4);
    std::vector<Candidates> out(rows);
    for (size_t b = 0; b < rows; ++b) {
        out[b].ids.assign(ids.begin() + b * k, ids.begin() + (b + 1) * k);
        out[b].logits.assign(logits.begin() + b * k, logits.begin() + (b + 1) * k);
    }
    return out;
}

void GpuForward::check_tokens(std::span<const SequenceTokens> batch) const {
    if (batch.empty()) throw InputError("step without sequences");
    if (batch.size() > lengths_.size())
        throw InputError(std::to_string(batch.size()) + " sequences exceed the " + std::to_string(lengths_.size()) +
                         " this forward pass was built for (max_sequences)");
    uint64_t tokens = 0;
    for (const SequenceTokens& item : batch) {
        check_ids(item.tokens);
        tokens += item.tokens.size();
    }
    if (tokens > options_.max_step_tokens)
        throw InputError(std::to_string(tokens) + " tokens in one step exceed the step size of " +
                         std::to_string(options_.max_step_tokens) + " (max_step_tokens)");
}

std::vector<float> GpuForward::step_with_kv(std::span<const SequenceTokens> batch, const kv::StepInputs& kv,
                                            std::span<const kv::BlockCopy> copies, bool all_rows) {
    check_tokens(batch);
    if (kv.tokens == 0 || kv.sequences != batch.size())
        throw Error("step KV inputs for " + std::to_string(kv.sequences) + " sequences and " +
                    std::to_string(kv.tokens) + " tokens do not match a batch of " + std::to_string(batch.size()));
    run_step(batch, kv, copies, all_rows ? Output::AllRows : Output::LastRow);
    const uint32_t cols = config_.kind == ModelKind::EncoderOnly ? config_.hidden_size : config_.vocab_size;
    std::vector<float> out(size_t(all_rows ? kv.tokens : batch.size()) * cols);
    vk::download(device_, *scratch_->out, out.data(), out.size() * 4);
    return out;
}

std::vector<Candidates> GpuForward::step_top_k_with_kv(std::span<const SequenceTokens> batch, const kv::StepInputs& kv,
                                                       std::span<const kv::BlockCopy> copies) {
    if (options_.top_k == 0) throw Error("step_top_k_with_kv needs ForwardOptions::top_k > 0");
    check_tokens(batch);
    run_step(batch, kv, copies, Output::TopK);
    return read_candidates(batch.size());
}

std::vector<float> GpuForward::top_k_step_row(size_t index) const {
    if (!scratch_->device_logits || index >= last_top_k_rows_)
        throw InputError("no row " + std::to_string(index) + " of a top-k step to read (the last one had " +
                         std::to_string(last_top_k_rows_) + ")");
    std::vector<float> row(config_.vocab_size);
    vk::download(device_, *scratch_->device_logits, row.data(), row.size() * 4, uint64_t(index) * row.size() * 4);
    return row;
}

void GpuForward::run_chunk(uint32_t sequence, std::span<const int32_t> tokens, Output output) {
    const SequenceTokens only{sequence, tokens};
    run_batch(std::span<const SequenceTokens>(&only, 1), output);
}

void GpuForward::run_batch(std::span<const SequenceTokens> batch, Output output) {
    last_top_k_rows_ = 0;
    std::vector<kv::StepRequest> requests;
    for (const SequenceTokens& item : batch)
        requests.push_back({int32_t(item.sequence), uint32_t(item.tokens.size()), item.tokens});
    // The one builder of a step's KV inputs (tested on its own in kv_step_inputs_test).
    const kv::StepInputs step = kv::append_step(own_cache(), requests, max_blocks_);
    run_step(batch, step, own_cache().take_copies(), output);
    for (const SequenceTokens& item : batch) {
        lengths_[item.sequence] += uint32_t(item.tokens.size());
        own_cache().publish(int32_t(item.sequence));
        // One block table serves every layer: blocks leave only when no layer can see them.
        if (config_.attention.causal && all_layers_use_window(config_))
            own_cache().release_outside_window(int32_t(item.sequence), config_.attention.sliding_window);
    }
}

void GpuForward::run_step(std::span<const SequenceTokens> batch, const kv::StepInputs& step,
                          std::span<const kv::BlockCopy> copies, Output output) {
    last_top_k_rows_ = 0;
    copy_blocks(copies);
    const ProgramKey key = program_key(batch, step.tokens, output);
    write_inputs(batch, step, key);
    vk::CommandBuffer& program = program_for(key);
    program.submit_and_wait();
    timings_.clear();
    for (const auto& t : program.timings()) {
        auto it = std::find_if(timings_.begin(), timings_.end(), [&](const StepTiming& s) { return s.label == t.label; });
        if (it == timings_.end()) timings_.push_back({t.label, t.microseconds});
        else it->microseconds += t.microseconds;
    }
}

}  // namespace vkllm::plan
