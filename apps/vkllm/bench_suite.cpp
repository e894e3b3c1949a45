#include "bench_suite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "bench_measure.h"
#include "bench_models.h"
#include "bench_report.h"
#include "bench_spec.h"
#include "build_info.h"
#include "device_json.h"
#include "device_options.h"
#include "memory_bandwidth.h"
#include "model/load.h"
#include "output.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string clock_text(double seconds) {
    const long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// median, min and max of the values.
json summary(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {{"median", median}, {"min", v.front()}, {"max", v.back()}};
}

json point_parameters(const BenchSpec& spec, const SpecPoint& p, size_t index) {
    return {{"index", index},
            {"id", p.id(spec.models)},
            {"model", spec.models[p.model].name},
            {"type", p.type},
            {"prompt", p.prompt},
            {"generate", p.generate},
            {"batch", p.batch},
            {"depth", p.depth},
            {"kv_type", p.kv_type},
            {"weights", p.weights},
            {"warmups", spec.warmups},
            {"repetitions", spec.repetitions}};
}

void add_measurement(json& out, const BenchMeasurement& m, const SpecPoint& p, double bandwidth) {
    json rounds = json::array();
    std::vector<double> pw, pg, dw, dg, tflops, fraction;
    const double prefill_tokens = double(p.prompt) * p.batch;
    const double roofline = bandwidth > 0 ? bandwidth / m.decode_bytes_per_step * p.batch : 0;
    for (const BenchRound& r : m.rounds) {
        const double decode_wall = double(r.decode_tokens) / r.decode_wall_s;
        rounds.push_back({{"prefill_wall_seconds", r.prefill_wall_s},
                          {"prefill_gpu_seconds", r.prefill_gpu_s},
                          {"decode_wall_seconds", r.decode_wall_s},
                          {"decode_gpu_seconds", r.decode_gpu_s},
                          {"decode_tokens", r.decode_tokens},
                          {"decode_steps", r.decode_steps},
                          {"prefill_tokens_per_second_wall", prefill_tokens / r.prefill_wall_s},
                          {"prefill_tokens_per_second_gpu", prefill_tokens / r.prefill_gpu_s},
                          {"decode_tokens_per_second_wall", decode_wall},
                          {"decode_tokens_per_second_gpu", double(r.decode_tokens) / r.decode_gpu_s}});
        pw.push_back(prefill_tokens / r.prefill_wall_s);
        pg.push_back(prefill_tokens / r.prefill_gpu_s);
        dw.push_back(decode_wall);
        dg.push_back(double(r.decode_tokens) / r.decode_gpu_s);
        tflops.push_back(m.prefill_flops / r.prefill_gpu_s / 1e12);
        if (roofline > 0) fraction.push_back(decode_wall / roofline);
    }
    out["kv_type_resolved"] = dtype_traits(m.kv_type).name;
    out["kv_bytes_per_token"] = m.kv_bytes_per_token;
    out["weights_bytes"] = m.weight_bytes;
    out["decode_weight_bytes"] = m.decode_weight_bytes;
    out["load_seconds"] = m.load_s;
    out["decode_bytes_per_step"] = m.decode_bytes_per_step;
    out["decode_bytes_per_token"] = m.decode_bytes_per_step / p.batch;
    out["prefill_flops"] = m.prefill_flops;
    out["rounds"] = rounds;
    out["prefill_tokens_per_second_wall"] = summary(pw);
    out["prefill_tokens_per_second_gpu"] = summary(pg);
    out["decode_tokens_per_second_wall"] = summary(dw);
    out["decode_tokens_per_second_gpu"] = summary(dg);
    out["prefill_tflops_gpu"] = summary(tflops);
    out["decode_roofline_tokens_per_second"] = roofline;
    out["decode_bandwidth_fraction"] = fraction.empty() ? json(nullptr) : summary(fraction);
}

}  // namespace

int run_bench_spec(const std::string& spec_path, const std::string& out_dir) {
    const auto start = Clock::now();
    const BenchSpec spec = parse_bench_spec(spec_path);
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (error || !std::filesystem::is_directory(out_dir))
        throw InputError("--out " + out_dir + ": cannot create the folder: " +
                         (error ? error.message() : std::string("not a directory")));
    auto log = [](const std::string& line) { std::fprintf(stderr, "bench: %s\n", line.c_str()); };

    // Every model file first (made and quantized into the cache where needed), then its config checked
    // against every point that uses it, so that nothing is measured before the whole spec is known to run.
    std::map<std::pair<size_t, std::string>, std::string> files;
    std::map<std::string, std::unique_ptr<LoadedModel>> loaded;
    for (const SpecPoint& p : spec.points) {
        auto& file = files[{p.model, p.type}];
        if (file.empty()) file = materialise_model(spec.models[p.model], p.type, out_dir + "/models", log);
        if (!loaded.count(file)) loaded[file] = std::make_unique<LoadedModel>(load_model(file));
    }
    for (size_t i = 0; i < spec.points.size(); ++i) {
        const SpecPoint& p = spec.points[i];
        BenchParams params;
        params.prompt = p.prompt, params.generate = p.generate, params.batch = p.batch, params.depth = p.depth;
        try {
            require_bench_fits(loaded[files[{p.model, p.type}]]->config, params);
        } catch (const InputError& e) {
            throw InputError(spec.source + ": point " + std::to_string(i + 1) + " (" + p.id(spec.models) +
                             "): " + e.what());
        }
    }

    auto instance = std::make_shared<vk::Instance>(instance_options());
    const vk::DeviceOptions device_choice = device_options(spec.device, spec.device_limits);
    vk::Device device(instance, device_choice);
    const auto listed = vk::list_devices(*instance);
    const size_t device_index = listed.empty() ? 0 : vk::select_device(listed, device_choice.selector);
    log("device " + device.caps().name + (device_choice.limits.empty() ? "" : " limited by " + device_choice.limits));
    CopyBandwidth copy;
    if (device.caps().timestamps) {
        log("measuring memory bandwidth");
        copy = measure_copy_bandwidth(device);
    }
    const double bandwidth = spec.bandwidth > 0 ? spec.bandwidth : copy.best();

    json points = json::array();
    size_t measured = 0, failed = 0, skipped = 0;
    double measuring_s = 0;
    for (size_t i = 0; i < spec.points.size(); ++i) {
        const SpecPoint& p = spec.points[i];
        json out = point_parameters(spec, p, i + 1);
        const std::string& file = files[{p.model, p.type}];
        out["model_path"] = file;
        const double elapsed = since(start);
        const double estimate = measured ? measuring_s / double(measured) : 0;
        if (spec.time_budget_s > 0 && elapsed + estimate > spec.time_budget_s) {
            out["status"] = "skipped";
            out["reason"] = "time budget of " + clock_text(spec.time_budget_s) + " (" + clock_text(elapsed) +
                            " spent, a point takes about " + clock_text(estimate) + ")";
            log("point " + std::to_string(i + 1) + "/" + std::to_string(spec.points.size()) + " " + p.id(spec.models) +
                ": skipped, " + out["reason"].get<std::string>());
            ++skipped;
            points.push_back(out);
            continue;
        }
        const size_t left = spec.points.size() - i;
        log("point " + std::to_string(i + 1) + "/" + std::to_string(spec.points.size()) + " " + p.id(spec.models) +
            " (elapsed " + clock_text(elapsed) + (measured ? ", ETA " + clock_text(estimate * double(left)) : "") + ")");
        BenchParams params;
        params.prompt = p.prompt, params.generate = p.generate, params.batch = p.batch, params.depth = p.depth;
        params.warmups = spec.warmups, params.repetitions = spec.repetitions;
        params.storage = p.weights, params.kv_type = p.kv_type;
        const auto t = Clock::now();
        try {
            const BenchMeasurement m = measure_bench(device, *loaded[file], params, [](const std::string&) {});
            add_measurement(out, m, p, bandwidth);
            out["status"] = "ok";
            char line[160];
            std::snprintf(line, sizeof line, "  prefill %.1f tokens/s, decode %.1f tokens/s (wall medians)",
                          out["prefill_tokens_per_second_wall"]["median"].get<double>(),
                          out["decode_tokens_per_second_wall"]["median"].get<double>());
            log(line);
        } catch (const Error& e) {
            out["status"] = "failed";
            out["error"] = e.what();
            log("  failed: " + std::string(e.what()));
            ++failed;
        }
        measuring_s += since(t);
        ++measured;
        points.push_back(out);
    }

    json results = {{"format", "vkllm-bench-results/1"},
                    {"spec", spec.source},
                    {"name", spec.name},
                    {"description", spec.description},
                    {"commit", build_commit()},
                    {"created", utc_now()},
                    {"device", caps_json(device.caps(), device_index, true)},
                    {"device_limits", device_choice.limits},
                    {"bandwidth",
                     {{"read_bytes_per_second", copy.read},
                      {"copy_bytes_per_second", copy.compute},
                      {"transfer_copy_bytes_per_second", copy.transfer},
                      {"best_bytes_per_second", copy.best()},
                      {"roofline_bytes_per_second", bandwidth},
                      {"given", spec.bandwidth > 0}}},
                    {"time_budget_seconds", spec.time_budget_s},
                    {"elapsed_seconds", since(start)},
                    {"points_measured", measured - failed},
                    {"points_failed", failed},
                    {"points_skipped", skipped},
                    {"points", points}};
    const std::string json_path = out_dir + "/results.json", text = results.dump(2) + "\n";
    write_file(json_path, text.data(), text.size());
    std::vector<std::string> written{json_path};
    for (const std::string& f : write_bench_reports(results, out_dir)) written.push_back(f);
    for (const std::string& f : written) std::printf("wrote %s\n", f.c_str());
    std::printf("%zu points: %zu measured, %zu skipped (time budget), %zu failed, in %s\n", spec.points.size(),
                measured - failed, skipped, failed, clock_text(since(start)).c_str());
    return failed ? 1 : 0;
}

}  // namespace vkllm::cli
