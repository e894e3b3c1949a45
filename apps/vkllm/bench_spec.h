#pragma once
// A benchmark spec (configs/bench/*.toml, documented key by key in
// configs/bench/README.md): which models in which weight types, the
// parameters to sweep (or the points to run), repetitions, device and time
// budget. Read with the model config's TOML table reader, so every error is
// located (file:line:column) and an unknown key gets a "did you mean".
#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::cli {

struct SpecModel {
    std::string name;    // label in tables and plots, unique in the spec
    std::string path;    // an existing model (TOML, Hugging Face directory, GGUF), or
    std::string config;  // a model config made with random weights (make-model); absolute paths
    uint64_t seed = 1;   // make-model's seed
    // Weight types: "stored" (a path model as it is), f32 / f16 / bf16 (make-model's
    // dtype) or a `vkllm quantize` type or preset (q8_0, q4_k_m, ...).
    std::vector<std::string> types;
};

// One measurement: a model in a type with one value of every parameter.
struct SpecPoint {
    size_t model = 0;  // index into BenchSpec::models
    std::string type;
    uint32_t prompt = 512, generate = 128, batch = 1, depth = 0;
    std::string kv_type = "auto", weights = "auto";
    // "model/type/kv/weights/p512/n128/d0/b1": what --compare matches points by.
    std::string id(const std::vector<SpecModel>& models) const;
};

struct BenchSpec {
    std::string source;  // the spec file
    std::string name, description;
    std::vector<SpecModel> models;
    std::vector<SpecPoint> points;  // the cross product of [sweep], or the [[points]] listed
    uint32_t warmups = 1, repetitions = 3;
    double time_budget_s = 0;  // 0: none
    std::string device, device_limits;
    double bandwidth = 0;  // bytes/s for the roofline; 0: measured
};

// Reads and validates a spec; relative paths in it are taken from the spec's folder.
BenchSpec parse_bench_spec(const std::string& path);
BenchSpec parse_bench_spec_string(const std::string& text, const std::string& source_name, const std::string& base_dir);

// Whether `type` is made by make-model (f32, f16, bf16) rather than by quantizing.
bool is_make_model_type(const std::string& type);

}  // namespace vkllm::cli
