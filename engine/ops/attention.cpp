#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kv/kv_type.h"
#include "ops/variants.h"
#include "vk/embedded_shaders.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {
struct AttentionPush {
    uint32_t max_blocks, splits, ml_offset, sequences, pool_blocks;
    uint32_t skip_run;  // > 0: leave rows in runs of this many queries to the matrix kernel
};
struct CombinePush {
    uint32_t splits, ml_offset;
};
struct MatrixPush {
    uint32_t max_blocks, queries, sequences, pool_blocks;
    uint32_t min_run;  // > 0: only rows in runs of at least this many queries
};

// attention_coopmat.comp's fixed shape: four subgroups of one fragment's rows
// each, tiles of 32 keys, shared rows padded as the shader pads them.
constexpr uint32_t kMatrixSubgroups = 4;
constexpr uint32_t kMatrixKeys = 32;
// In a Mixed step the matrix kernel takes the sequences that bring at least
// this many queries (a fragment's rows): fewer would leave most of a
// workgroup's rows empty while it still walks the sequence's keys, once per
// sequence. Decode rows stay on the per-query kernel with its parallelism per query.
constexpr uint32_t kMatrixMinQueriesPerSequence = 16;
// A step of fewer queries (a workgroup's rows at 16-row fragments) is left to the per-query kernel.
constexpr uint32_t kMatrixMinQueries = 64;

bool uses_matrix(AttentionKernel kernel) { return kernel == AttentionKernel::Matrix || kernel == AttentionKernel::Mixed; }

// The fragment edge the matrix kernel uses on this device: 16, else 8, else 0 (none).
uint32_t matrix_fragment(const vk::DeviceCaps& caps) {
    for (uint32_t edge : {16u, 8u})
        if (has_f16_coopmat(caps, edge)) return edge;
    return 0;
}

// Below this many workgroups the GPU is underfilled and the keys are split.
constexpr uint32_t kTargetWorkgroups = 512;
// Fewer keys per split than this costs more in merging than it gains.
constexpr uint32_t kMinKeysPerSplit = 64;
// Most query heads one workgroup serves from each K/V row it loads (each
// invocation keeps an accumulator per head and output dimension).
constexpr uint32_t kMaxHeadsPerGroup = 8;

// One key per invocation and tile: a small workgroup (one subgroup on most
// GPUs) keeps the softmax reductions cheap and many workgroups in flight.
uint32_t workgroup_size(const vk::DeviceCaps& caps) { return reduction_workgroup(caps, 32); }

// Query heads per workgroup: the largest divisor of the GQA group size up to kMaxHeadsPerGroup.
uint32_t heads_per_group(const AttentionSpec& spec) {
    const uint32_t group = spec.kv_heads > 0 ? spec.heads / spec.kv_heads : 1;
    uint32_t best = 1;
    for (uint32_t h = 1; h <= std::min(group, kMaxHeadsPerGroup); ++h)
        if (group % h == 0) best = h;
    return best;
}

uint32_t div_up(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

// Longest key range one query can see.
uint32_t key_span(const AttentionSpec& spec, const AttentionShape& shape) {
    if (spec.sliding_window == 0) return shape.max_context;
    const uint64_t window_span = spec.causal ? spec.sliding_window : 2ull * spec.sliding_window - 1;
    return uint32_t(std::min<uint64_t>(shape.max_context, window_span));
}

struct SplitPlan {
    uint32_t splits = 1, split_len = 0;
};

SplitPlan plan_splits(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape) {
    const uint32_t wg = workgroup_size(caps);
    const uint32_t span = std::max(key_span(spec, shape), 1u);
    uint32_t wanted = spec.splits;
    if (wanted == 0) {
        const uint64_t groups = uint64_t(shape.queries) * (spec.heads / heads_per_group(spec));
        wanted = groups >= kTargetWorkgroups ? 1 : std::min(div_up(kTargetWorkgroups, groups), span / kMinKeysPerSplit);
    }
    wanted = std::clamp(wanted, 1u, caps.max_workgroup_count[2]);
    SplitPlan plan;
    plan.split_len = div_up(div_up(span, wanted), wg) * wg;  // whole tiles per split
    plan.splits = div_up(span, plan.split_len);
    return plan;
}

vk::BufferBinding bind(const vk::Buffer* buffer, uint64_t bytes, const vk::DeviceCaps& caps, const char* what) {
    if (!buffer) throw Error(std::string("attention: no ") + what + " buffer");
    if (buffer->size() < bytes)
        throw Error(std::string("attention: ") + what + " buffer '" + buffer->name() + "' holds " +
                    std::to_string(buffer->size()) + " bytes, needs " + std::to_string(bytes));
    if (bytes > caps.max_storage_buffer_range)
        throw DeviceError(std::string("attention: ") + what + " of " + vk::format_bytes(bytes) +
                          " exceeds the device's maxStorageBufferRange of " +
                          vk::format_bytes(caps.max_storage_buffer_range) + "; use fewer queries per step");
    return vk::BufferBinding{*buffer, 0, bytes};
}

void check_spec(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape) {
    if (spec.heads == 0 || spec.kv_heads == 0 || spec.heads % spec.kv_heads != 0)
        throw Error("attention: " + std::to_string(spec.kv_heads) + " kv heads do not divide " +
                    std::to_string(spec.heads) + " heads");
    if (spec.head_dim == 0 || spec.block_size == 0) throw Error("attention: zero head_dim or block_size");
    kv::check_cache_type(spec.kv_type, spec.head_dim);
    if (spec.kv_type == DType::F16 && !caps.storage_16bit)
        throw DeviceError("attention: f16 KV pools need 16-bit storage, which " + caps.name + " lacks");
    if (spec.heads > caps.max_workgroup_count[0] || shape.queries > caps.max_workgroup_count[1])
        throw DeviceError("attention: " + std::to_string(shape.queries) + " queries x " + std::to_string(spec.heads) +
                          " heads exceed the device's workgroup counts; use fewer queries per step");
    const uint64_t hpg = heads_per_group(spec), wg = workgroup_size(caps);
    if (hpg * ((spec.head_dim + 3) / 4) * 16 + hpg * wg * 4 + 2 * wg * 4 > caps.max_shared_memory)
        throw DeviceError("attention: head_dim " + std::to_string(spec.head_dim) + " needs more shared memory than " +
                          caps.name + " has");
}
std::string matrix_shader(const AttentionSpec& spec) {
    return std::string("attention_coopmat_") + dtype_traits(spec.kv_type).name;
}

// Query heads of one matrix-kernel workgroup: the largest divisor of the GQA
// group that also divides the subgroup count (each subgroup serves one head).
// Its queries: kMatrixSubgroups * fragment / heads.
uint32_t matrix_heads(const AttentionSpec& spec) {
    const uint32_t group = spec.heads / spec.kv_heads;
    uint32_t best = 1;
    for (uint32_t h = 1; h <= kMatrixSubgroups; ++h)
        if (group % h == 0 && kMatrixSubgroups % h == 0) best = h;
    return best;
}

uint64_t matrix_shared_bytes(const AttentionSpec& spec, uint32_t fragment) {
    const uint64_t dstride = spec.head_dim + 8, rows = uint64_t(kMatrixSubgroups) * fragment;
    return std::max<uint64_t>(2 * kMatrixKeys, rows) * dstride * 2  // K and V tiles, or Q
           + rows * (kMatrixKeys + 4) * 4                            // scores
           + rows * (kMatrixKeys + 8) * 2                            // probabilities
           + rows * fragment * 4                                     // row factors
           + rows / matrix_heads(spec) * 3 * 4 + kMatrixKeys * 4;    // query ranges, key flags
}
}  // namespace

std::string matrix_attention_problem(const vk::DeviceCaps& caps, const AttentionSpec& spec) {
    const uint32_t fragment = matrix_fragment(caps);
    if (fragment == 0) return "the device has no 16x16x16 or 8x8x8 f16 cooperative-matrix multiply";
    if (!caps.subgroup_shuffle) return "the device lacks subgroup shuffles";
    if (spec.kv_type == DType::F32) return "f32 KV pools keep the exact per-query kernel";
    if (spec.head_dim % fragment != 0)
        return "head_dim " + std::to_string(spec.head_dim) + " is not a multiple of " + std::to_string(fragment);
    if (embedded_shader(matrix_shader(spec)).empty())
        return "this build has no " + matrix_shader(spec) + " (it needs the newer shader compiler)";
    const uint32_t sg = caps.subgroup_size;
    if (sg % fragment != 0 || sg > 4 * fragment || kMatrixKeys % (2 * (sg / fragment)) != 0)
        return "subgroup size " + std::to_string(sg) + " does not suit fragments of " + std::to_string(fragment);
    if (caps.subgroup_min_size != caps.subgroup_max_size && !caps.subgroup_size_control)
        return "the subgroup size varies and cannot be fixed";
    if (kMatrixSubgroups * sg > caps.max_workgroup_invocations)
        return std::to_string(kMatrixSubgroups * sg) + " invocations exceed the device's workgroup limit";
    if (matrix_shared_bytes(spec, fragment) > caps.max_shared_memory)
        return "head_dim " + std::to_string(spec.head_dim) + " needs " + vk::format_bytes(matrix_shared_bytes(spec, fragment)) +
               " of shared memory, the device has " + vk::format_bytes(caps.max_shared_memory);
    return {};
}

AttentionKernel attention_kernel(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape) {
    if (spec.kernel != AttentionKernel::Auto) return spec.kernel;
    if (spec.splits > 0) return AttentionKernel::PerQuery;  // splits asked for: only that kernel has them
    // A CPU device (lavapipe) emulates the matrix units: its per-query kernel
    // stays the choice there (the matrix kernel runs there when forced, as the tests do).
    if (caps.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU) return AttentionKernel::PerQuery;
    // Where the per-query kernel would split keys (few queries over long
    // contexts) it keeps the whole step: Mixed has no splits.
    const bool matrix = shape.queries >= kMatrixMinQueries && plan_splits(caps, spec, shape).splits <= 1 &&
                        matrix_attention_problem(caps, spec).empty();
    return matrix ? AttentionKernel::Mixed : AttentionKernel::PerQuery;
}

uint32_t attention_splits(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape) {
    if (uses_matrix(attention_kernel(caps, spec, shape))) return 1;
    return plan_splits(caps, spec, shape).splits;
}

uint64_t attention_scratch_bytes(const vk::DeviceCaps& caps, const AttentionSpec& spec, const AttentionShape& shape) {
    const uint32_t splits = attention_splits(caps, spec, shape);
    if (splits <= 1) return 0;
    return uint64_t(shape.queries) * spec.heads * splits * (spec.head_dim + 2) * 4;
}

void record_attention(vk::Device& device, vk::CommandBuffer& commands, const AttentionSpec& spec,
                      const AttentionShape& shape, const AttentionBuffers& b) {
    const auto& caps = device.caps();
    check_spec(caps, spec, shape);
    if (shape.queries == 0) return;
    const AttentionKernel kernel = attention_kernel(caps, spec, shape);
    if (uses_matrix(kernel)) {
        if (const std::string problem = matrix_attention_problem(caps, spec); !problem.empty())
            throw DeviceError("attention: the cooperative-matrix kernel cannot run here: " + problem);
    }
    const SplitPlan plan = uses_matrix(kernel) ? SplitPlan{} : plan_splits(caps, spec, shape);
    const bool split = plan.splits > 1;
    const uint32_t wg = workgroup_size(caps);
    const float scale = spec.scale > 0 ? spec.scale : float(1.0 / std::sqrt(double(spec.head_dim)));
    const uint32_t hpg = heads_per_group(spec);

    const uint64_t qo_bytes = uint64_t(shape.queries) * spec.heads * spec.head_dim * 4;
    const uint64_t per_query = uint64_t(shape.queries) * 4;
    vk::BufferBinding q = bind(b.q, qo_bytes, caps, "q");
    vk::BufferBinding seq = bind(b.seq_index, per_query, caps, "sequence index");
    vk::BufferBinding pos = bind(b.positions, per_query, caps, "positions");
    vk::BufferBinding ctx = bind(b.context_lens, uint64_t(shape.sequences) * 4, caps, "context lengths");
    vk::BufferBinding table =
        bind(b.block_table, uint64_t(shape.sequences) * shape.max_blocks * 4, caps, "block table");
    vk::BufferBinding k = bind(b.k_pool, b.k_pool ? b.k_pool->size() : 0, caps, "K pool");
    vk::BufferBinding v = bind(b.v_pool, b.v_pool ? b.v_pool->size() : 0, caps, "V pool");
    // Without ALiBi the slopes binding still needs a buffer; the shader never reads it.
    vk::BufferBinding slopes = spec.alibi ? bind(b.alibi_slopes, uint64_t(spec.heads) * 4, caps, "ALiBi slopes") : q;
    vk::BufferBinding out = bind(b.out, qo_bytes, caps, "output");

    if (kv::fused_rows(spec.kv_type) && b.k_pool != b.v_pool)
        throw Error(std::string("attention: a ") + dtype_traits(spec.kv_type).name +
                    " KV cache keeps K and V in one pool buffer; pass it as both");
    const uint64_t block_bytes = spec.block_size * kv::slot_bytes(spec.kv_type, uint64_t(spec.kv_heads) * spec.head_dim);
    const uint32_t pool_blocks = uint32_t(std::min(b.k_pool->size(), b.v_pool->size()) / block_bytes);

    const uint32_t min_run = kernel == AttentionKernel::Mixed ? kMatrixMinQueriesPerSequence : 0;
    if (uses_matrix(kernel)) {
        const uint32_t fragment = matrix_fragment(caps);
        const uint32_t heads = matrix_heads(spec), queries_per_group = kMatrixSubgroups * fragment / heads;
        const uint32_t groups_y = div_up(shape.queries, queries_per_group);
        if (groups_y > caps.max_workgroup_count[1])
            throw DeviceError("attention: " + std::to_string(shape.queries) +
                              " queries exceed the device's workgroup counts; use fewer queries per step");
        const uint32_t sg = caps.subgroup_size;
        vk::PipelineDesc desc{matrix_shader(spec),
                              9,
                              sizeof(MatrixPush),
                              {kMatrixSubgroups * sg, spec.head_dim, spec.heads, spec.kv_heads, spec.block_size,
                               vk::float_bits(scale), spec.causal ? 1u : 0u, spec.sliding_window,
                               vk::float_bits(spec.softcap), spec.alibi ? 1u : 0u, heads, kMatrixSubgroups, sg, fragment}};
        if (caps.subgroup_min_size != caps.subgroup_max_size) desc.required_subgroup_size = sg;
        const auto& pipeline = device.pipeline(desc);
        const MatrixPush push{shape.max_blocks, shape.queries, shape.sequences, pool_blocks, min_run};
        commands.dispatch(pipeline, {q, seq, pos, ctx, table, k, v, slopes, out}, push, spec.heads / heads, groups_y, 1);
        // Mixed: the per-query kernel's rows follow, with no barrier: the rows are disjoint.
        if (kernel == AttentionKernel::Matrix) return;
    }

    const uint64_t rows = uint64_t(shape.queries) * spec.heads;
    const uint32_t ml_offset = uint32_t(rows * plan.splits * spec.head_dim);
    const std::string name =
        std::string("attention_") + dtype_traits(spec.kv_type).name + reduction_variant(caps);
    const auto& pipeline = device.pipeline({name,
                                            9,
                                            sizeof(AttentionPush),
                                            {wg, spec.head_dim, spec.heads, spec.kv_heads, spec.block_size,
                                             vk::float_bits(scale), spec.causal ? 1u : 0u, spec.sliding_window,
                                             vk::float_bits(spec.softcap), spec.alibi ? 1u : 0u, split ? 1u : 0u, hpg}});
    const AttentionPush push{shape.max_blocks, plan.splits, ml_offset, shape.sequences, pool_blocks, min_run};
    if (!split) {
        commands.dispatch(pipeline, {q, seq, pos, ctx, table, k, v, slopes, out}, push, spec.heads / hpg, shape.queries, 1);
        return;
    }
    vk::BufferBinding scratch =
        bind(b.scratch, attention_scratch_bytes(caps, spec, shape), caps, "split-attention scratch");
    commands.dispatch(pipeline, {q, seq, pos, ctx, table, k, v, slopes, scratch}, push, spec.heads / hpg,
                      shape.queries, plan.splits);
    commands.barrier();
    const auto& combine =
        device.pipeline({"attention_combine" + reduction_variant(caps), 2, sizeof(CombinePush), {wg, spec.head_dim, spec.heads}});
    commands.dispatch(combine, {scratch, out}, CombinePush{plan.splits, ml_offset}, spec.heads, shape.queries);
}

}  // namespace vkllm::ops
