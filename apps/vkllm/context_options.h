#pragma once
// How many tokens a sequence may hold: -c/--context for `run` and `chat`, and
// the one length check every command makes before any GPU work.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "model/config.h"

namespace vkllm::cli {

// Adds -c/--context (0, the default: the model's whole context, as far as the
// KV cache fits in device memory).
void add_context_option(CLI::App& sub, uint32_t& context);

// The context a command works with: `requested` (0: the model's), refused by
// name when it exceeds the model's max_position.
uint32_t choose_context(const ModelConfig& model, uint32_t requested);

// KV-cache bytes that hold `context` tokens of one sequence in blocks of
// `block_size` (counted as f32, so an f16 cache holds at least as many);
// 0 (the engine's default budget) when `context` is the model's whole context.
uint64_t kv_budget_for_context(const ModelConfig& model, uint32_t context, uint32_t block_size);

// Throws InputError "<what> needs N tokens, more than the context of C tokens (<why C>); <hint>".
void require_fits_context(uint64_t needed, uint64_t context, const std::string& what, const std::string& hint);

}  // namespace vkllm::cli
