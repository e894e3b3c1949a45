#pragma once
// Element types of the paged KV cache and the bytes a token slot takes in a
// layer's pools. f32 and f16 pools are two buffers per layer (K and V) of rows
// [slot, kv_heads * head_dim]. A block format of the weight-type table (q8_0,
// q4_0: blocks of 32 values along the head dimension, laid out as that table's
// GGUF block) keeps both rows of a slot in one buffer, the K row's blocks then
// the V row's: the attention kernel decodes both through one binding with the
// format's GLSL decoder, and the two rows of a slot are always a whole number
// of 32-bit words (an even number of even-sized blocks), which the KV write
// kernel fills without sharing a word with another slot.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/weight_types.h"

namespace vkllm::kv {

// The types a KV cache can hold, in the order `--kv-type` lists them.
std::span<const DType> cache_types();
// "auto" followed by the name of every cache type: the values --kv-type takes.
std::vector<std::string> cache_type_choices();
// nullopt for "auto" (or ""); throws InputError listing the choices otherwise.
std::optional<DType> parse_cache_type(std::string_view name);
// What `requested` means on a device: auto is f16 where 16-bit storage exists, else f32.
DType resolve_cache_type(std::optional<DType> requested, bool storage_16bit);
// "auto" or the type's name.
std::string cache_type_name(std::optional<DType> type);

// Throws InputError when `type` is not a cache type or cannot hold heads of
// `head_dim` values (a block format needs a multiple of its block size).
void check_cache_type(DType type, uint32_t head_dim);

// True for the block formats: a slot's K and V rows share one buffer.
bool fused_rows(DType type);
// Bytes of one token's K (or V) row of `values` values (a multiple of the block size).
uint64_t row_bytes(DType type, uint64_t values);
// Bytes one slot takes in each pool buffer: its row (f32, f16) or its K and V rows (block formats).
uint64_t slot_bytes(DType type, uint64_t row_values);

}  // namespace vkllm::kv
