#pragma once
// What `vkllm bench --spec` makes from its results.json, and nothing else:
// DIR/results.csv (one row per point), DIR/report.md (tables grouped by model
// and weight type, the plots, skipped and failed points) and three SVG plots
// (svg_chart.h): decode tokens/s against batch size and against context depth
// (one series per combination of the other parameters), and the decode
// roofline fraction per model (one bar series per weight type).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vkllm::cli {

// The plot files, relative to the output folder.
inline constexpr const char* kBatchPlot = "decode-vs-batch.svg";
inline constexpr const char* kDepthPlot = "decode-vs-depth.svg";
inline constexpr const char* kRooflinePlot = "roofline-fraction.svg";

// Writes the files and returns their paths.
std::vector<std::string> write_bench_reports(const nlohmann::json& results, const std::string& dir);

}  // namespace vkllm::cli
