#pragma once
// How many tokens a sequence may hold and in what: -c/--context for `run` and
// `chat`, --kv-type for every command that builds a KV cache, and the one
// length check every command makes before any GPU work.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/weight_types.h"
#include "model/config.h"
#include "vk/device.h"

namespace vkllm::cli {

// Adds -c/--context (0, the default: the model's whole context, as far as the
// KV cache fits in device memory).
void add_context_option(CLI::App& sub, uint32_t& context);

// The context a command works with: `requested` (0: the model's), refused by
// name when it exceeds the model's max_position.
uint32_t choose_context(const ModelConfig& model, uint32_t requested);

// Adds --kv-type (auto, f32, f16, q8_0, q4_0; the default auto), refusing
// any other value with the list of choices.
void add_kv_type_option(CLI::App& sub, std::string& kv_type);
// The engine's KV type for the flag's value (nullopt: auto).
std::optional<DType> kv_type_option(const std::string& kv_type);
// The type the cache will really have on `caps` (auto resolved).
DType kv_type_on(const std::string& kv_type, const vk::DeviceCaps& caps);

// Throws InputError "<what> needs N tokens, more than the context of C tokens (<why C>); <hint>".
void require_fits_context(uint64_t needed, uint64_t context, const std::string& what, const std::string& hint);

}  // namespace vkllm::cli
