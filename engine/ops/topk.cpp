#include "ops/topk.h"

#include <algorithm>
#include <string>

#include "ops/variants.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::ops {

namespace {

// Logits per first-pass workgroup: enough chunks per row to fill the GPU at
// decode, few enough that the merge pool (chunks * k) stays small.
constexpr uint32_t kChunkLen = 2048;
// Ids must stay below the shader's "no candidate" marker 2^24 - 1.
constexpr uint32_t kMaxVocab = (1u << 24) - 2;

struct ChunkPush {
    uint32_t vocab, k, chunk_len, chunks, first_chunk, in_shift, out_shift;
};
struct MergePush {
    uint32_t lists, list_len, k, in_shift, out_shift;
};

uint32_t chunks_per_row(uint32_t vocab) { return (vocab + kChunkLen - 1) / kChunkLen; }

// A binding of `count` 4-byte elements from element `first`, starting at the
// aligned offset at or below it; `shift` is where the data begins in the slice.
struct Slice {
    vk::BufferBinding binding;
    uint32_t shift;
};

Slice slice_of(const vk::Buffer& buffer, uint64_t first, uint64_t count, uint64_t align) {
    const uint64_t byte = first * 4;
    const uint64_t start = byte / align * align;
    return {vk::BufferBinding(buffer, start, byte - start + count * 4), uint32_t((byte - start) / 4)};
}

void require_bytes(const vk::Buffer& buffer, uint64_t bytes, const char* role) {
    if (buffer.size() < bytes)
        throw InputError("top-k: " + std::string(role) + " buffer '" + buffer.name() + "' holds " +
                         std::to_string(buffer.size()) + " bytes, needs " + std::to_string(bytes));
}

}  // namespace

uint64_t topk_scratch_bytes(const vk::DeviceCaps&, uint32_t rows, uint32_t vocab, uint32_t k) {
    return uint64_t(rows) * chunks_per_row(vocab) * std::min(k, vocab) * 8;
}

void record_topk(vk::Device& device, vk::CommandBuffer& commands, const vk::Buffer& logits,
                 const vk::Buffer& out_ids, const vk::Buffer& out_values, uint32_t rows, uint32_t vocab, uint32_t k,
                 const vk::Buffer& scratch) {
    const auto& caps = device.caps();
    if (k < 1 || k > kMaxTopK)
        throw InputError("top-k: k = " + std::to_string(k) + " is outside [1, " + std::to_string(kMaxTopK) + "]");
    if (vocab < 1 || vocab > kMaxVocab)
        throw InputError("top-k: vocabulary size " + std::to_string(vocab) + " of '" + logits.name() +
                         "' is outside [1, " + std::to_string(kMaxVocab) + "]");
    if (rows == 0) return;
    if (rows > caps.max_workgroup_count[1])
        throw DeviceError("top-k: " + std::to_string(rows) + " rows exceed the device's workgroup count");
    require_bytes(logits, uint64_t(rows) * vocab * 4, "logits");
    require_bytes(out_ids, uint64_t(rows) * k * 4, "id output");
    require_bytes(out_values, uint64_t(rows) * k * 4, "value output");
    require_bytes(scratch, topk_scratch_bytes(caps, rows, vocab, k), "scratch");

    const uint32_t chunks = chunks_per_row(vocab);
    const uint32_t k1 = std::min(k, vocab);  // a chunk result never needs more than the vocabulary
    const uint64_t range = caps.max_storage_buffer_range;
    const uint64_t align = std::max<uint64_t>(caps.min_storage_buffer_alignment, 4);
    const uint32_t wg = reduction_workgroup(caps);
    const std::string variant = reduction_variant(caps);
    const auto& chunk_pipeline = device.pipeline({"topk" + variant, 2, sizeof(ChunkPush), {wg}});
    const auto& merge_pipeline = device.pipeline({"topk_merge" + variant, 3, sizeof(MergePush), {wg}});

    // Pass 1: rows [row0, row0 + nrows) x chunks [c0, c0 + nc); several rows only with whole rows.
    auto chunk_dispatch = [&](uint32_t row0, uint32_t nrows, uint32_t c0, uint32_t nc) {
        const uint64_t first_logit = uint64_t(row0) * vocab + uint64_t(c0) * kChunkLen;
        const uint64_t logit_count =
            uint64_t(nrows - 1) * vocab + std::min<uint64_t>(uint64_t(nc) * kChunkLen, vocab - uint64_t(c0) * kChunkLen);
        const uint64_t first_pair = (uint64_t(row0) * chunks + c0) * k1;
        const uint64_t pair_count = (uint64_t(nrows - 1) * chunks + nc) * k1;
        Slice in = slice_of(logits, first_logit, logit_count, align);
        Slice out = slice_of(scratch, first_pair * 2, pair_count * 2, align);
        commands.dispatch(chunk_pipeline, {in.binding, out.binding},
                          ChunkPush{vocab, k1, kChunkLen, chunks, c0, in.shift, out.shift}, nc, nrows);
    };
    const uint64_t all_logit_bytes = uint64_t(rows) * vocab * 4;
    const uint64_t all_pair_bytes = uint64_t(rows) * chunks * k1 * 8;
    if (all_logit_bytes <= range && all_pair_bytes <= range && chunks <= caps.max_workgroup_count[0]) {
        chunk_dispatch(0, rows, 0, chunks);
    } else {
        const uint64_t room = range > align ? range - align : 0;
        const uint64_t per_dispatch = std::min<uint64_t>(
            {room / (uint64_t(kChunkLen) * 4), room / (uint64_t(k1) * 8), caps.max_workgroup_count[0]});
        if (per_dispatch == 0)
            throw DeviceError("top-k of '" + logits.name() + "': one chunk does not fit the device's " +
                              vk::format_bytes(range) + " maxStorageBufferRange");
        for (uint32_t r = 0; r < rows; ++r)
            for (uint32_t c0 = 0; c0 < chunks; c0 += uint32_t(per_dispatch))
                chunk_dispatch(r, 1, c0, uint32_t(std::min<uint64_t>(per_dispatch, chunks - c0)));
    }
    commands.barrier();

    // Pass 2: one workgroup per row merges its chunks' results.
    const uint32_t pool = chunks * k1;
    auto merge_dispatch = [&](uint32_t row0, uint32_t nrows) {
        Slice in = slice_of(scratch, uint64_t(row0) * pool * 2, uint64_t(nrows) * pool * 2, align);
        Slice ids = slice_of(out_ids, uint64_t(row0) * k, uint64_t(nrows) * k, align);
        Slice values = slice_of(out_values, uint64_t(row0) * k, uint64_t(nrows) * k, align);
        commands.dispatch(merge_pipeline, {in.binding, ids.binding, values.binding},
                          MergePush{chunks, k1, k, in.shift, ids.shift}, nrows);
    };
    if (all_pair_bytes <= range && uint64_t(rows) * k * 4 <= range && rows <= caps.max_workgroup_count[0]) {
        merge_dispatch(0, rows);
    } else {
        if (uint64_t(pool) * 8 + align > range)
            throw DeviceError("top-k of '" + logits.name() + "': the " + std::to_string(pool) +
                              " candidates of a row do not fit the device's maxStorageBufferRange");
        for (uint32_t r = 0; r < rows; ++r) merge_dispatch(r, 1);
    }
}

}  // namespace vkllm::ops
