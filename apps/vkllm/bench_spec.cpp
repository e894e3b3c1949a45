#include "bench_spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "common/input_file.h"
#include "kv/kv_type.h"
#include "model/load.h"
#include "model/quantize.h"
#include "model/toml_table.h"
#include "vk/device_caps.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMaxBatch = 256;    // as `vkllm bench -b`
constexpr uint32_t kMaxLength = 1u << 20;
constexpr size_t kMaxPoints = 100000;  // a cross product beyond this is a typo

// The sweep axes; also the defaults of a listed point.
struct Axes {
    std::vector<uint32_t> prompt{512}, generate{128}, batch{1}, depth{0};
    std::vector<std::string> kv_type{"auto"}, weights{"auto"};
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// The node of element `i` of the array at `key` (or the value itself), for locating a bad element.
const toml::node& element(TableReader& r, std::string_view key, size_t i) {
    const toml::node* node = r.raw(key);
    if (const toml::array* a = node->as_array(); a && i < a->size()) return *a->get(i);
    return *node;
}

void check_lengths(TableReader& r, std::string_view key, const std::vector<uint32_t>& values, uint32_t lo,
                   uint32_t hi, const char* what) {
    if (!r.raw(key)) return;
    if (values.empty()) r.fail(*r.raw(key), "key '" + r.path(key) + "' must not be empty");
    for (size_t i = 0; i < values.size(); ++i)
        if (values[i] < lo || values[i] > hi)
            r.fail(element(r, key, i), "key '" + r.path(key) + "' holds " + std::to_string(values[i]) + "; every " +
                                           what + " must be " + std::to_string(lo) + " to " + std::to_string(hi));
}

void check_choices(TableReader& r, std::string_view key, const std::vector<std::string>& values,
                   const std::vector<std::string>& choices, const char* what) {
    if (!r.raw(key)) return;
    if (values.empty()) r.fail(*r.raw(key), "key '" + r.path(key) + "' must not be empty");
    for (size_t i = 0; i < values.size(); ++i)
        if (std::find(choices.begin(), choices.end(), values[i]) == choices.end()) {
            std::string message = "key '" + r.path(key) + "' holds '" + values[i] + "', not " + what + " (" +
                                  join(choices) + ")";
            const std::string near = closest_key(values[i], choices);
            if (!near.empty()) message += "; did you mean '" + near + "'?";
            r.fail(element(r, key, i), message);
        }
}

const std::vector<std::string>& storage_choices() {
    static const std::vector<std::string> choices{"auto", "f16", "f32"};
    return choices;
}

// The axes of [sweep], or the one value of each in a [[points]] entry.
void read_axes(TableReader& r, Axes& a) {
    r.read("prompt", a.prompt);
    check_lengths(r, "prompt", a.prompt, 1, kMaxLength, "prompt length");
    r.read("generate", a.generate);
    check_lengths(r, "generate", a.generate, 1, kMaxLength, "output length");
    r.read("batch", a.batch);
    check_lengths(r, "batch", a.batch, 1, kMaxBatch, "batch size");
    r.read("depth", a.depth);
    check_lengths(r, "depth", a.depth, 0, kMaxLength, "context depth");
    r.read("kv_type", a.kv_type);
    check_choices(r, "kv_type", a.kv_type, kv::cache_type_choices(), "a KV cache type");
    r.read("weights", a.weights);
    check_choices(r, "weights", a.weights, storage_choices(), "a GPU matrix storage");
}

void check_type(TableReader& r, std::string_view key, size_t i, const std::string& type, bool from_config) {
    if (from_config && is_make_model_type(type)) return;
    if (!from_config && type == "stored") return;
    try {
        parse_quantize_target(type);
    } catch (const InputError& e) {
        r.fail(element(r, key, i), "key '" + r.path(key) + "' holds '" + type + "', not a weight type: " +
                                       (from_config ? "f32, f16, bf16 (random weights by make-model)"
                                                    : "stored (the model as it is)") +
                                       " or a quantize type (" + quantize_target_names() + ")");
    }
}

void read_model_keys(TableReader& r, SpecModel& m) {
    r.read("name", m.name);
    r.read("path", m.path);
    r.read("config", m.config);
    r.read("seed", m.seed);
    r.read("types", m.types);
}

SpecModel read_model(TableReader& r, const fs::path& base) {
    SpecModel m;
    read_model_keys(r, m);
    if (m.path.empty() == m.config.empty())
        r.fail_at(r.table().source(), std::string("a [[models]] entry needs exactly one of 'path' (an existing model) "
                                                  "or 'config' (a model config made with random weights)") +
                                          (m.path.empty() ? "" : ", not both"));
    const bool from_config = !m.config.empty();
    std::string& file = from_config ? m.config : m.path;
    const toml::node& file_node = *r.raw(from_config ? "config" : "path");
    fs::path p(file);
    if (p.is_relative()) p = base / p;
    file = p.lexically_normal().string();
    if (!fs::exists(p))
        r.fail(file_node, "key '" + r.path(from_config ? "config" : "path") + "': " + file + " does not exist");
    if (from_config) parse_config_toml(file);  // its own errors, located in it
    if (m.name.empty()) m.name = p.filename() == "model.toml" ? p.parent_path().filename().string() : p.stem().string();
    if (m.name.empty() || m.name.find_first_of("/,\"\n") != std::string::npos)
        r.fail(r.raw("name") ? *r.raw("name") : file_node,
               "model name '" + m.name + "' must be non-empty without '/', ',' or quotes");
    if (!r.raw("types")) m.types = {from_config ? "f16" : "stored"};
    if (m.types.empty()) r.fail(*r.raw("types"), "key '" + r.path("types") + "' must not be empty");
    for (size_t i = 0; i < m.types.size(); ++i) {
        check_type(r, "types", i, m.types[i], from_config);
        for (size_t j = 0; j < i; ++j)
            if (m.types[j] == m.types[i])
                r.fail(element(r, "types", i), "key '" + r.path("types") + "' names '" + m.types[i] + "' twice");
    }
    return m;
}

void read_run(TableReader& r, BenchSpec& s) {
    r.read("warmups", s.warmups);
    if (s.warmups > 100) r.fail(*r.raw("warmups"), "key 'run.warmups' must be 0 to 100");
    r.read("repetitions", s.repetitions);
    if (s.repetitions < 1 || s.repetitions > 1000)
        r.fail(*r.raw("repetitions"), "key 'run.repetitions' must be 1 to 1000");
    r.read("time_budget_seconds", s.time_budget_s);
    if (!std::isfinite(s.time_budget_s) || s.time_budget_s < 0)
        r.fail(*r.raw("time_budget_seconds"), "key 'run.time_budget_seconds' must be a finite number >= 0 (0: none)");
}

void read_device(TableReader& r, BenchSpec& s) {
    r.read("select", s.device);
    r.read("limits", s.device_limits);
    if (!s.device_limits.empty()) try {
            vk::DeviceCaps probe;
            probe.subgroup_size_control = true;
            probe.subgroup_min_size = 1;
            probe.subgroup_max_size = 1u << 16;
            vk::apply_limits(probe, s.device_limits);
        } catch (const Error& e) {
            r.fail(*r.raw("limits"), "key 'device.limits': " + std::string(e.what()));
        }
    r.read("bandwidth", s.bandwidth);
    if (!std::isfinite(s.bandwidth) || s.bandwidth < 0)
        r.fail(*r.raw("bandwidth"), "key 'device.bandwidth' must be a number of bytes/s >= 0 (0: measured)");
}

void add_point(BenchSpec& s, const SpecPoint& p) {
    if (s.points.size() >= kMaxPoints)
        throw InputError(s.source + ": more than " + std::to_string(kMaxPoints) + " points; narrow the sweep");
    s.points.push_back(p);
}

void expand_sweep(BenchSpec& s, const Axes& a) {
    for (size_t m = 0; m < s.models.size(); ++m)
        for (const std::string& type : s.models[m].types)
            for (const std::string& kv : a.kv_type)
                for (const std::string& weights : a.weights)
                    for (uint32_t prompt : a.prompt)
                        for (uint32_t generate : a.generate)
                            for (uint32_t depth : a.depth)
                                for (uint32_t batch : a.batch)
                                    add_point(s, {m, type, prompt, generate, batch, depth, kv, weights});
}

void read_point_keys(TableReader& r, Axes& a, std::string& model, std::string& type) {
    read_axes(r, a);
    r.read("model", model);
    r.read("type", type);
}

SpecPoint read_point(TableReader& r, const BenchSpec& s) {
    Axes a;
    std::string model, type;
    read_point_keys(r, a, model, type);
    for (const char* key : {"prompt", "generate", "batch", "depth", "kv_type", "weights"})
        if (const toml::node* node = r.raw(key); node && node->is_array())
            r.fail(*node, "key '" + r.path(key) + "' of a listed point takes one value, not an array (use [sweep] "
                                                  "for a cross product)");
    SpecPoint p{0, "", a.prompt[0], a.generate[0], a.batch[0], a.depth[0], a.kv_type[0], a.weights[0]};
    if (model.empty() && s.models.size() > 1)
        r.fail_at(r.table().source(), "a [[points]] entry needs 'model' when the spec has several models");
    std::vector<std::string> names;
    for (const SpecModel& m : s.models) names.push_back(m.name);
    if (!model.empty()) {
        auto it = std::find(names.begin(), names.end(), model);
        if (it == names.end()) {
            std::string message = "key 'points.model' = '" + model + "' is not a model of the spec (" + join(names) + ")";
            const std::string near = closest_key(model, names);
            if (!near.empty()) message += "; did you mean '" + near + "'?";
            r.fail(*r.raw("model"), message);
        }
        p.model = size_t(it - names.begin());
    }
    const SpecModel& m = s.models[p.model];
    p.type = type;
    if (p.type.empty()) p.type = m.types[0];
    else if (std::find(m.types.begin(), m.types.end(), p.type) == m.types.end())
        r.fail(*r.raw("type"), "key 'points.type' = '" + p.type + "' is not one of the types of model '" + m.name + "' (" +
                                   join(m.types) + ")");
    return p;
}

BenchSpec read_document(const toml::table& root, const std::string& source, const fs::path& base,
                        TomlKeyIndex* record, const TomlKeyIndex* schema) {
    BenchSpec s;
    s.source = source;
    TableReader top(root, "", source, record, schema);
    top.read("name", s.name);
    top.read("description", s.description);
    with_table(top, "run", [&](TableReader& r) { read_run(r, s); });
    with_table(top, "device", [&](TableReader& r) { read_device(r, s); });
    const std::vector<const toml::table*> models = top.tables("models");
    for (const toml::table* t : models) {
        TableReader r(*t, "models", source, record, schema);
        s.models.push_back(read_model(r, base));
        r.finish();
        for (size_t i = 0; i + 1 < s.models.size(); ++i)
            if (s.models[i].name == s.models.back().name)
                r.fail_at(t->source(), "two models are named '" + s.models[i].name + "'; give each a distinct 'name'");
    }
    if (record) {  // the schema of the tables below, without models to refer to
        const toml::table empty;
        TableReader model(empty, "models", source, record), sweep(empty, "sweep", source, record),
            point(empty, "points", source, record);
        SpecModel m;
        read_model_keys(model, m);
        Axes a;
        read_axes(sweep, a);
        std::string name, type;
        read_point_keys(point, a, name, type);
        top.table("sweep");
        top.tables("points");
        return s;
    }
    if (models.empty()) top.fail_at(root.source(), "a spec needs at least one [[models]] entry");
    const toml::table* sweep = top.table("sweep");
    const std::vector<const toml::table*> points = top.tables("points");
    if (sweep && !points.empty())
        top.fail_at(points[0]->source(), "a spec takes [sweep] (a cross product) or [[points]] (listed points), not both");
    if (!points.empty()) {
        for (const toml::table* t : points) {
            TableReader r(*t, "points", source, record, schema);
            add_point(s, read_point(r, s));
            r.finish();
        }
    } else {
        Axes a;
        with_table(top, "sweep", [&](TableReader& r) { read_axes(r, a); });
        expand_sweep(s, a);
    }
    top.finish();
    return s;
}

const TomlKeyIndex& spec_key_index() {
    static const TomlKeyIndex index = [] {
        TomlKeyIndex keys;
        read_document(toml::table{}, "schema", ".", &keys, nullptr);
        return keys;
    }();
    return index;
}

}  // namespace

bool is_make_model_type(const std::string& type) { return type == "f32" || type == "f16" || type == "bf16"; }

std::string SpecPoint::id(const std::vector<SpecModel>& models) const {
    return models[model].name + "/" + type + "/kv-" + kv_type + "/w-" + weights + "/p" + std::to_string(prompt) +
           "/n" + std::to_string(generate) + "/d" + std::to_string(depth) + "/b" + std::to_string(batch);
}

BenchSpec parse_bench_spec_string(const std::string& text, const std::string& source_name, const std::string& base_dir) {
    const toml::table root = parse_toml_located(text, source_name);
    BenchSpec spec = read_document(root, source_name, fs::path(base_dir), nullptr, &spec_key_index());
    if (spec.name.empty()) spec.name = fs::path(source_name).stem().string();
    return spec;
}

BenchSpec parse_bench_spec(const std::string& path) {
    const std::string text = read_regular_file(path, "bench spec", input_caps::toml_bytes);
    return parse_bench_spec_string(text, path, fs::path(path).parent_path().string());
}

}  // namespace vkllm::cli
