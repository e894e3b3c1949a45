#pragma once
// The model file a spec point loads: a path model as it is, or made in the
// output folder's cache (DIR/models/) by the engine's make-model (random
// weights for a config) and quantize functions. A cached file is reused only
// while its stamp (what it was made from) matches.
#include <functional>
#include <string>

#include "bench_spec.h"

namespace vkllm::cli {

// `log` hears one line per file made or reused.
std::string materialise_model(const SpecModel& model, const std::string& type, const std::string& cache_dir,
                              const std::function<void(const std::string&)>& log);

}  // namespace vkllm::cli
