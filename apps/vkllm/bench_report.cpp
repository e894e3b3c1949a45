#include "bench_report.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "output.h"
#include "svg_chart.h"

namespace vkllm::cli {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool ok(const json& p) { return p.value("status", "") == "ok"; }

double median(const json& p, const char* key) {
    if (!ok(p) || !p.contains(key) || p[key].is_null()) return kNaN;
    return p[key]["median"].get<double>();
}

std::string fmt(const char* format, double v) {
    if (!std::isfinite(v)) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// "123.4 (120.1–125.0)": the median and the spread of the repetitions.
std::string spread(const json& p, const char* key) {
    if (!ok(p) || p[key].is_null()) return "";
    const json& s = p[key];
    if (s["min"] == s["max"]) return fmt("%.1f", s["median"].get<double>());
    return fmt("%.1f", s["median"].get<double>()) + " (" + fmt("%.1f", s["min"].get<double>()) + "–" +
           fmt("%.1f", s["max"].get<double>()) + ")";
}

// The parameters of a point as short labels, in the order series names use them.
const std::vector<std::pair<std::string, std::string>>& parameters() {
    static const std::vector<std::pair<std::string, std::string>> p{
        {"model", ""}, {"type", ""}, {"kv_type", "kv "}, {"weights", "w "},
        {"prompt", "p"}, {"generate", "n"}, {"depth", "d"}, {"batch", "b"}};
    return p;
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Points grouped into series by every parameter but `x` (and the repetition
// counts); each series is named by the parameters that differ between series.
std::vector<ChartSeries> series_over(const json& points, const std::string& x, const char* y_key) {
    std::vector<std::string> keys;
    std::map<std::string, ChartSeries> by_key;
    std::map<std::string, std::vector<std::string>> values;  // series key -> parameter values
    for (const json& p : points) {
        if (!ok(p)) continue;
        std::string key;
        std::vector<std::string> v;
        for (const auto& [name, prefix] : parameters()) {
            if (name == x) continue;
            v.push_back(prefix + value_text(p[name]));
            key += v.back() + "\n";
        }
        if (!by_key.count(key)) keys.push_back(key), values[key] = v;
        ChartSeries& s = by_key[key];
        s.x.push_back(p[x].get<double>());
        s.y.push_back(median(p, y_key));
    }
    std::vector<ChartSeries> out;
    for (const std::string& key : keys) {
        ChartSeries s = by_key[key];
        for (size_t f = 0; f < values[key].size(); ++f) {
            bool differs = f < 2;  // model and type always
            for (const std::string& other : keys) differs = differs || values[other][f] != values[key][f];
            if (differs) s.name += (s.name.empty() ? "" : " ") + values[key][f];
        }
        out.push_back(std::move(s));
    }
    return out;
}

BarChart roofline_chart(const json& points) {
    BarChart chart;
    chart.title = "Decode speed as a share of the memory roofline (best point per model and type)";
    chart.y_label = "% of the roofline (wall tokens/s)";
    std::vector<std::string> types;
    for (const json& p : points) {
        const std::string model = p["model"], type = p["type"];
        if (std::find(chart.categories.begin(), chart.categories.end(), model) == chart.categories.end())
            chart.categories.push_back(model);
        if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
    }
    for (const std::string& t : types) chart.series.push_back({t, std::vector<double>(chart.categories.size(), kNaN)});
    for (const json& p : points) {
        const double f = 100 * median(p, "decode_bandwidth_fraction");
        if (!std::isfinite(f)) continue;
        const size_t c = size_t(std::find(chart.categories.begin(), chart.categories.end(), p["model"]) -
                                chart.categories.begin());
        const size_t s = size_t(std::find(types.begin(), types.end(), p["type"]) - types.begin());
        double& v = chart.series[s].values[c];
        if (!std::isfinite(v) || f > v) v = f;
    }
    // A type with no measured point draws no bars and gets no series.
    std::erase_if(chart.series, [](const BarSeries& s) {
        return std::none_of(s.values.begin(), s.values.end(), [](double v) { return std::isfinite(v); });
    });
    return chart;
}

std::string csv_field(std::string text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv(const json& results) {
    static const char* stats[] = {"prefill_tokens_per_second_wall", "prefill_tokens_per_second_gpu",
                                  "decode_tokens_per_second_wall", "decode_tokens_per_second_gpu", "prefill_tflops_gpu",
                                  "decode_bandwidth_fraction"};
    std::string out = "index,id";
    for (const auto& [name, prefix] : parameters()) out += "," + name;
    out += ",repetitions,status";
    for (const char* s : stats) out += std::string(",") + s + "_median," + s + "_min," + s + "_max";
    out += ",decode_bytes_per_token,weights_bytes,note\n";
    auto cell = [&out](const std::string& text) {
        out += ',';
        out += text;
    };
    for (const json& p : results["points"]) {
        out += value_text(p["index"]);
        cell(csv_field(p["id"]));
        for (const auto& [name, prefix] : parameters()) cell(csv_field(value_text(p[name])));
        cell(value_text(p["repetitions"]));
        cell(p["status"].get<std::string>());
        for (const char* s : stats)
            for (const char* which : {"median", "min", "max"})
                cell(ok(p) && !p[s].is_null() ? fmt("%.6g", p[s][which].get<double>()) : std::string());
        cell(ok(p) ? fmt("%.6g", p["decode_bytes_per_token"].get<double>()) : std::string());
        cell(ok(p) ? value_text(p["weights_bytes"]) : std::string());
        cell(csv_field(p.value("reason", p.value("error", ""))));
        out += '\n';
    }
    return out;
}

std::string markdown(const json& r) {
    const json& d = r["device"];
    const json& bw = r["bandwidth"];
    std::string out = "# Benchmark: " + r["name"].get<std::string>() + "\n\n";
    if (!r["description"].get<std::string>().empty()) out += r["description"].get<std::string>() + "\n\n";
    out += "- spec: `" + r["spec"].get<std::string>() + "`, commit `" + r["commit"].get<std::string>() + "`, run " +
           r["created"].get<std::string>() + " in " + fmt("%.1f", r["elapsed_seconds"].get<double>()) + " s\n";
    out += "- device: " + d["name"].get<std::string>() + " (" + d["driver"].get<std::string>() + ", Vulkan " +
           d["api_version"].get<std::string>() + ")" +
           (r["device_limits"].get<std::string>().empty() ? "" : ", limited by `" + r["device_limits"].get<std::string>() + "`") +
           "\n";
    out += "- memory bandwidth: read " + fmt("%.1f", bw["read_bytes_per_second"].get<double>() / 1e9) + " GB/s, copy " +
           fmt("%.1f", bw["copy_bytes_per_second"].get<double>() / 1e9) + " GB/s, vkCmdCopyBuffer " +
           fmt("%.1f", bw["transfer_copy_bytes_per_second"].get<double>() / 1e9) + " GB/s; the roofline uses " +
           fmt("%.1f", bw["roofline_bytes_per_second"].get<double>() / 1e9) + " GB/s" +
           (bw["given"].get<bool>() ? " (given by the spec)" : " (the best measured)") + "\n";
    out += "- points: " + std::to_string(r["points"].size()) + " (" + value_text(r["points_measured"]) + " measured, " +
           value_text(r["points_skipped"]) + " skipped by the time budget, " + value_text(r["points_failed"]) +
           " failed); each the median (min–max) of " +
           (r["points"].empty() ? std::string("0") : value_text(r["points"][0]["repetitions"])) + " repetitions after " +
           (r["points"].empty() ? std::string("0") : value_text(r["points"][0]["warmups"])) + " warm-up(s)\n\n";
    out += "![decode tokens/s against batch size](" + std::string(kBatchPlot) + ")\n\n";
    out += "![decode tokens/s against context depth](" + std::string(kDepthPlot) + ")\n\n";
    out += "![decode roofline fraction per model](" + std::string(kRooflinePlot) + ")\n\n";

    std::vector<std::pair<std::string, std::string>> groups;
    for (const json& p : r["points"]) {
        std::pair<std::string, std::string> g{p["model"], p["type"]};
        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    for (const auto& [model, type] : groups) {
        out += "## " + model + " · " + type + "\n\n";
        out += "| point | prompt | gen | batch | depth | KV | weights | prefill tok/s (wall) | prefill TFLOP/s (GPU) | "
               "decode tok/s (wall) | decode tok/s (GPU) | MB read / token | % of roofline |\n";
        out += "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
        for (const json& p : r["points"]) {
            if (p["model"] != model || p["type"] != type) continue;
            out += "| `" + p["id"].get<std::string>() + "` | " + value_text(p["prompt"]) + " | " +
                   value_text(p["generate"]) + " | " + value_text(p["batch"]) + " | " + value_text(p["depth"]) + " | " +
                   (ok(p) ? p["kv_type_resolved"].get<std::string>() : p["kv_type"].get<std::string>()) + " | " +
                   p["weights"].get<std::string>() + " | ";
            if (!ok(p)) {
                out += p["status"].get<std::string>() + " | | | | | |\n";
                continue;
            }
            out += spread(p, "prefill_tokens_per_second_wall") + " | " + fmt("%.3g", median(p, "prefill_tflops_gpu")) +
                   " | " + spread(p, "decode_tokens_per_second_wall") + " | " +
                   fmt("%.1f", median(p, "decode_tokens_per_second_gpu")) + " | " +
                   fmt("%.2f", p["decode_bytes_per_token"].get<double>() / 1e6) + " | " +
                   fmt("%.1f%%", 100 * median(p, "decode_bandwidth_fraction")) + " |\n";
        }
        out += "\n";
    }
    std::string notes;
    for (const json& p : r["points"])
        if (!ok(p))
            notes += "- `" + p["id"].get<std::string>() + "`: " + p["status"].get<std::string>() + ", " +
                     p.value("reason", p.value("error", "")) + "\n";
    if (!notes.empty()) out += "## Skipped and failed points\n\n" + notes + "\n";
    out += "Prefill TFLOP/s counts 2 FLOPs per active non-embedding parameter and prompt token plus attention's "
           "QK and PV products; MB read / token is the decode step's weights (of a MoE, only the experts its tokens "
           "pick) and KV cache at the mean context, divided by the batch; % of roofline is the wall decode rate "
           "against that many bytes at the roofline bandwidth.\n";
    return out;
}

void write_text(const std::string& path, const std::string& text, std::vector<std::string>& written) {
    write_file(path, text.data(), text.size());
    written.push_back(path);
}

}  // namespace

std::vector<std::string> write_bench_reports(const json& results, const std::string& dir) {
    const json& points = results["points"];
    std::vector<std::string> written;
    write_text(dir + "/results.csv", csv(results), written);
    write_text(dir + "/report.md", markdown(results), written);
    LineChart batch{"Decode tokens/s against batch size", "batch size (sequences decoded together)",
                    "decode tokens/s (wall, all sequences)", series_over(points, "batch", "decode_tokens_per_second_wall")};
    write_text(dir + "/" + kBatchPlot, line_chart_svg(batch), written);
    LineChart depth{"Decode tokens/s against context depth", "context depth (tokens in the cache before the prompt)",
                    "decode tokens/s (wall, all sequences)", series_over(points, "depth", "decode_tokens_per_second_wall")};
    write_text(dir + "/" + kDepthPlot, line_chart_svg(depth), written);
    write_text(dir + "/" + kRooflinePlot, bar_chart_svg(roofline_chart(points)), written);
    return written;
}

}  // namespace vkllm::cli
