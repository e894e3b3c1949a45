#pragma once
// `vkllm bench --spec FILE --out DIR`: every point of a spec (bench_spec.h)
// through the one measuring loop (bench_measure.h) on one device, with
// progress and ETA on stderr and a time budget; writes DIR/results.json and,
// from it, the CSV, the Markdown report and the plots (bench_report.h).
#include <string>

namespace vkllm::cli {

// 0 when every point ran or was skipped by the time budget; 1 when a point
// failed (its error is in the results and on stderr; the others still ran).
int run_bench_spec(const std::string& spec_path, const std::string& out_dir);

}  // namespace vkllm::cli
