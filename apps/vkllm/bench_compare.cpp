#include "bench_compare.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/json_document.h"
#include "output.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

using nlohmann::json;

json read_results(const std::string& path) {
    json r = read_json_file(path, "bench results");
    if (!r.is_object() || r.value("format", "") != "vkllm-bench-results/1" || !r.contains("points") ||
        !r["points"].is_array())
        throw InputError(path + ": not a results.json of `vkllm bench --spec` (format vkllm-bench-results/1)");
    return r;
}

struct Stat {
    double median = 0, min = 0, max = 0;
};

bool read_stat(const json& point, const char* key, Stat& s) {
    if (point.value("status", "") != "ok" || !point.contains(key) || !point[key].is_object()) return false;
    const json& v = point[key];
    s = {v.at("median").get<double>(), v.at("min").get<double>(), v.at("max").get<double>()};
    return s.median > 0;
}

std::string text(const Stat& s) {
    char buf[96];
    if (s.min == s.max) std::snprintf(buf, sizeof buf, "%.1f", s.median);
    else std::snprintf(buf, sizeof buf, "%.1f (%.1f–%.1f)", s.median, s.min, s.max);
    return buf;
}

int compare(const json& base, const json& fresh, const std::string& base_path, const std::string& new_path,
            double threshold_percent);

}  // namespace

int compare_bench_results(const std::string& base_path, const std::string& new_path, double threshold_percent) {
    if (!(threshold_percent >= 0 && threshold_percent < 100))
        throw InputError("--threshold " + std::to_string(threshold_percent) + " must be a percentage in [0, 100)");
    const json base = read_results(base_path), fresh = read_results(new_path);
    try {
        return compare(base, fresh, base_path, new_path, threshold_percent);
    } catch (const json::exception& e) {
        throw InputError(base_path + " or " + new_path + ": a point lacks a field of vkllm-bench-results/1 (" +
                         e.what() + ")");
    }
}

namespace {

int compare(const json& base, const json& fresh, const std::string& base_path, const std::string& new_path,
            double threshold_percent) {
    const double t = threshold_percent / 100;
    std::map<std::string, const json*> base_points;
    for (const json& p : base["points"]) base_points[p.at("id").get<std::string>()] = &p;
    static const std::pair<const char*, const char*> metrics[] = {{"prefill", "prefill_tokens_per_second_wall"},
                                                                  {"decode", "decode_tokens_per_second_wall"}};
    std::string out = "base: " + base_path + " (" + base.value("commit", "unknown") + ", " +
                      base["device"].value("name", "?") + ")\nnew:  " + new_path + " (" +
                      fresh.value("commit", "unknown") + ", " + fresh["device"].value("name", "?") + ")\n\n";
    out += "| point | phase | base tok/s | new tok/s | ratio | verdict |\n| --- | --- | ---: | ---: | ---: | --- |\n";
    size_t regressions = 0, improvements = 0, compared = 0;
    std::vector<std::string> unmatched;
    for (const json& p : fresh["points"]) {
        const std::string id = p.at("id");
        auto it = base_points.find(id);
        if (it == base_points.end()) {
            unmatched.push_back(id + " (only in the new results)");
            continue;
        }
        const json& b = *it->second;
        base_points.erase(it);
        for (const auto& [phase, key] : metrics) {
            Stat sb, sn;
            const bool have_b = read_stat(b, key, sb), have_n = read_stat(p, key, sn);
            if (!have_b || !have_n) {
                out += "| `" + id + "` | " + phase + " | " + (have_b ? text(sb) : b.value("status", "?")) + " | " +
                       (have_n ? text(sn) : p.value("status", "?")) + " | | not compared |\n";
                continue;
            }
            ++compared;
            const double ratio = sn.median / sb.median;
            std::string verdict = "same (within threshold or noise)";
            if (ratio < 1 - t && sn.max < sb.min) verdict = "REGRESSION", ++regressions;
            else if (ratio > 1 + t && sn.min > sb.max) verdict = "improvement", ++improvements;
            char r[32];
            std::snprintf(r, sizeof r, "%.3f", ratio);
            out += "| `" + id + "` | " + phase + " | " + text(sb) + " | " + text(sn) + " | " + r + " | " + verdict + " |\n";
        }
    }
    for (const auto& [id, p] : base_points) unmatched.push_back(id + " (only in the base results)");
    for (const std::string& u : unmatched) out += "\nnot compared: " + u;
    char line[200];
    std::snprintf(line, sizeof line,
                  "\n%zu comparisons at a %.1f%% threshold: %zu regression(s), %zu improvement(s)\n", compared,
                  threshold_percent, regressions, improvements);
    out += line;
    write_stdout(out);
    return regressions ? kRegressionExit : 0;
}

}  // namespace

}  // namespace vkllm::cli
