#pragma once
// How the CLI shows an engine's memory (Engine::memory, taken after loading):
// one status line on stderr, or a JSON object.
#include <nlohmann/json.hpp>

#include "vkllm/engine.h"

namespace vkllm::cli {

void print_memory(const MemoryUse& m);
nlohmann::json memory_json(const MemoryUse& m);

}  // namespace vkllm::cli
