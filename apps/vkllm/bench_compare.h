#pragma once
// `vkllm bench --compare BASE.json NEW.json [--threshold PCT]`: two
// results.json files side by side, point by point (matched by id), with the
// ratio of each median. A point regresses when its new median is more than
// the threshold below the base's AND the new repetitions' whole range
// [min, max] lies below the base's (so a difference within the repetition
// spread is noise, not a regression); an improvement is the mirror image.
#include <string>

namespace vkllm::cli {

// Exit status when any point regressed.
inline constexpr int kRegressionExit = 3;

// Prints the table to stdout; returns 0, or kRegressionExit.
int compare_bench_results(const std::string& base_path, const std::string& new_path, double threshold_percent);

}  // namespace vkllm::cli
