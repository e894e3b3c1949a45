// `vkllm bench --spec`: the shipped smoke spec runs on the test device and its
// outputs hold every point (JSON fields, CSV rows, report rows, SVG plots with
// one series per combination of the other parameters, parsed by libxml2); the
// time budget skips points cleanly; bad specs are refused with located errors.
#include <doctest/doctest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vkllm::test::run_cli;

const std::string kSource = VKLLM_SOURCE_DIR;
const std::string kTiny = kSource + "/configs/models/tiny-llama.toml";

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("vkllm-bench-spec-" + std::to_string(::getpid())) / name;
    fs::create_directories(dir);
    return dir;
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out);
}

bool has(const vkllm::test::CliResult& r, const std::string& text) {
    if (r.output.find(text) != std::string::npos) return true;
    MESSAGE("output: " << r.output);
    return false;
}

// Elements <g class="series"> in a well-formed SVG document; -1 when libxml2 cannot parse it.
int svg_series(const fs::path& path, int* legend_entries) {
    xmlDocPtr doc = xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) return -1;
    const xmlNode* root = xmlDocGetRootElement(doc);
    int series = -1;
    if (root && std::string(reinterpret_cast<const char*>(root->name)) == "svg") {
        series = 0;
        *legend_entries = 0;
        for (const xmlNode* n = root->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE || std::string(reinterpret_cast<const char*>(n->name)) != "g") continue;
            xmlChar* cls = xmlGetProp(n, reinterpret_cast<const xmlChar*>("class"));
            const std::string c = cls ? reinterpret_cast<const char*>(cls) : "";
            xmlFree(cls);
            if (c == "series") ++series;
            if (c == "legend")
                for (const xmlNode* e = n->children; e; e = e->next)
                    if (e->type == XML_ELEMENT_NODE && std::string(reinterpret_cast<const char*>(e->name)) == "text")
                        ++*legend_entries;
        }
    }
    xmlFreeDoc(doc);
    return series;
}

std::string spec_with(const std::string& body) {
    return "name = \"t\"\n[[models]]\nname = \"tiny\"\nconfig = \"" + kTiny + "\"\ntypes = [\"f16\"]\n" + body;
}

// Runs a spec text from a file; the output of a refused spec.
vkllm::test::CliResult run_spec(const std::string& text, const std::string& name) {
    const fs::path dir = scratch(name);
    write(dir / "spec.toml", text);
    return run_cli("bench --spec " + (dir / "spec.toml").string() + " --out " + (dir / "out").string());
}

}  // namespace

TEST_CASE("bench --spec smoke.toml: results.json, results.csv, report.md and plots hold every point") {
    const fs::path out = scratch("smoke");
    auto r = run_cli("bench --spec " + kSource + "/configs/bench/smoke.toml --out " + out.string());
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK(has(r, "point 8/8"));
    CHECK(has(r, "ETA"));

    const json j = json::parse(read(out / "results.json"));
    CHECK(j["format"] == "vkllm-bench-results/1");
    CHECK(!j["commit"].get<std::string>().empty());
    CHECK(j["points_measured"] == 8);
    CHECK(j["points_skipped"] == 0);
    // The device object is the one `vkllm devices --json` prints for the selected device.
    auto d = run_cli("devices --json", "", false);
    REQUIRE(d.exit_code == 0);
    json selected;
    for (const json& dev : json::parse(d.output))
        if (dev["selected"] == true) selected = dev;
    CHECK(j["device"] == selected);
    CHECK(j["bandwidth"]["best_bytes_per_second"].get<double>() > 0);

    // The cross product of the spec: 2 types x 2 depths x 2 batch sizes, each measured twice.
    const json& points = j["points"];
    REQUIRE(points.size() == 8);
    std::set<std::tuple<std::string, uint32_t, uint32_t>> seen;
    for (const json& p : points) {
        INFO(p["id"].get<std::string>());
        CHECK(p["status"] == "ok");
        CHECK(p["model"] == "tiny-llama");
        CHECK(p["prompt"] == 16);
        CHECK(p["generate"] == 8);
        seen.insert({p["type"].get<std::string>(), p["batch"].get<uint32_t>(), p["depth"].get<uint32_t>()});
        REQUIRE(p["rounds"].size() == 2);
        for (const char* key : {"prefill_tokens_per_second_wall", "prefill_tokens_per_second_gpu",
                                "decode_tokens_per_second_wall", "decode_tokens_per_second_gpu", "prefill_tflops_gpu",
                                "decode_bandwidth_fraction"}) {
            INFO(key);
            const json& s = p[key];
            CHECK(s["min"].get<double>() > 0);
            CHECK(s["min"].get<double>() <= s["median"].get<double>());
            CHECK(s["median"].get<double>() <= s["max"].get<double>());
        }
        // Each repetition's decode rate is its tokens over its time, and the summary is made of them.
        double lo = 1e300, hi = 0;
        for (const json& round : p["rounds"]) {
            const double rate = round["decode_tokens"].get<double>() / round["decode_wall_seconds"].get<double>();
            CHECK(round["decode_tokens_per_second_wall"].get<double>() == doctest::Approx(rate));
            // Every sequence's 8 tokens, all sequences decoding together after every prompt ran.
            const int batch = p["batch"], tokens = round["decode_tokens"];
            CHECK(tokens == 8 * batch);
            lo = std::min(lo, rate), hi = std::max(hi, rate);
        }
        CHECK(p["decode_tokens_per_second_wall"]["min"].get<double>() == doctest::Approx(lo));
        CHECK(p["decode_tokens_per_second_wall"]["max"].get<double>() == doctest::Approx(hi));
        CHECK(p["decode_bytes_per_token"].get<double>() * p["batch"].get<double>() ==
              doctest::Approx(p["decode_bytes_per_step"].get<double>()));
        CHECK(p["prefill_flops"].get<double>() > 0);
    }
    CHECK(seen.size() == 8);

    // CSV: a header and one row per point; the report names every point.
    std::istringstream csv(read(out / "results.csv"));
    std::string line;
    size_t rows = 0;
    while (std::getline(csv, line)) rows += !line.empty();
    CHECK(rows == 1 + points.size());
    const std::string report = read(out / "report.md");
    for (const json& p : points) {
        const std::string id = p["id"];
        CHECK(report.find('`' + id + '`') != std::string::npos);
    }
    CHECK(report.find("## tiny-llama · f16") != std::string::npos);
    CHECK(report.find("## tiny-llama · q8_0") != std::string::npos);

    // Plots: against batch, one line per (type, depth); against depth, per (type, batch); bars per type.
    int legend = 0;
    CHECK(svg_series(out / "decode-vs-batch.svg", &legend) == 4);
    CHECK(legend == 4);
    CHECK(svg_series(out / "decode-vs-depth.svg", &legend) == 4);
    CHECK(legend == 4);
    CHECK(svg_series(out / "roofline-fraction.svg", &legend) == 2);
    CHECK(legend == 2);

    // --compare: a run against itself passes.
    r = run_cli("bench --compare " + (out / "results.json").string() + " " + (out / "results.json").string());
    CHECK(r.exit_code == 0);
    CHECK(has(r, "16 comparisons at a 5.0% threshold: 0 regression(s)"));

    // A second run reuses the models the first made.
    const fs::path again = scratch("smoke-budget");
    fs::create_directories(again / "out");
    fs::copy(out / "models", again / "out" / "models", fs::copy_options::recursive);
    std::string spec = read(kSource + "/configs/bench/smoke.toml");
    spec.replace(spec.find("time_budget_seconds = 300"), 25, "time_budget_seconds = 0.001");
    spec.replace(spec.find("../models/tiny-llama.toml"), 25, kTiny);
    write(again / "spec.toml", spec);
    r = run_cli("bench --spec " + (again / "spec.toml").string() + " --out " + (again / "out").string());
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK(has(r, "reusing"));
    CHECK(r.output.find("making") == std::string::npos);
    // The time budget: spent before the first point, so every point is skipped, and said so everywhere.
    const json k = json::parse(read(again / "out" / "results.json"));
    CHECK(k["points_skipped"] == 8);
    for (const json& p : k["points"]) CHECK(p["status"] == "skipped");
    CHECK(read(again / "out" / "report.md").find("## Skipped and failed points") != std::string::npos);
    CHECK(svg_series(again / "out" / "decode-vs-batch.svg", &legend) == 0);
    fs::remove_all(out.parent_path());
}

TEST_CASE("bench --compare: a regression past the threshold and the repetition spread fails, noise does not") {
    const fs::path dir = scratch("compare");
    auto point = [](const std::string& id, double median, double lo, double hi) {
        const json s = {{"median", median}, {"min", lo}, {"max", hi}};
        return json{{"id", id}, {"status", "ok"}, {"decode_tokens_per_second_wall", s},
                    {"prefill_tokens_per_second_wall", {{"median", 1000.0}, {"min", 990.0}, {"max", 1010.0}}}};
    };
    auto results = [](json points) {
        return json{{"format", "vkllm-bench-results/1"}, {"commit", "c"}, {"device", {{"name", "d"}}}, {"points", points}};
    };
    write(dir / "base.json", results({point("a", 100, 98, 102), point("b", 100, 98, 102)}).dump());
    // a: 20% slower with no overlap (a regression); b: 8% slower but its spread reaches the base's (noise).
    write(dir / "new.json", results({point("a", 80, 79, 81), point("b", 92, 85, 99)}).dump());
    auto r = run_cli("bench --compare " + (dir / "base.json").string() + " " + (dir / "new.json").string());
    CHECK(r.exit_code == 3);
    CHECK(has(r, "| `a` | decode | 100.0 (98.0–102.0) | 80.0 (79.0–81.0) | 0.800 | REGRESSION |"));
    CHECK(has(r, "| `b` | decode | 100.0 (98.0–102.0) | 92.0 (85.0–99.0) | 0.920 | same"));
    CHECK(has(r, "1 regression(s)"));
    // A threshold above the drop lets it pass.
    r = run_cli("bench --compare " + (dir / "base.json").string() + " " + (dir / "new.json").string() + " --threshold 25");
    CHECK(r.exit_code == 0);
    // Not a results file.
    write(dir / "other.json", "{\"points\": 3}");
    r = run_cli("bench --compare " + (dir / "base.json").string() + " " + (dir / "other.json").string());
    CHECK(r.exit_code == 1);
    CHECK(has(r, "other.json: not a results.json of `vkllm bench --spec`"));
    fs::remove_all(dir.parent_path());
}

TEST_CASE("bench --spec refuses bad specs with located errors") {
    struct Case {
        std::string body, message;
    };
    const Case cases[] = {
        {"[sweep]\nbatchs = [1]\n", "spec.toml:7:1: unknown key 'batchs' in [sweep]; did you mean 'batch'?"},
        {"[run]\ndepth = [1]\n", "spec.toml:7:1: unknown key 'depth' in [run]; it belongs in [sweep] or [points]"},
        {"[sweeep]\nbatch = [1]\n", "spec.toml:6:2: unknown key 'sweeep' at the top level; did you mean 'sweep'?"},
        {"[sweep]\nprompt = \"long\"\n", "spec.toml:7:10: key 'sweep.prompt' must be an array of integers, got a string"},
        {"[sweep]\nbatch = [1, 0]\n", "spec.toml:7:13: key 'sweep.batch' holds 0; every batch size must be 1 to 256"},
        {"[sweep]\nkv_type = [\"q8\"]\n", "spec.toml:7:12: key 'sweep.kv_type' holds 'q8', not a KV cache type"},
        {"[sweep]\nkv_type = [\"q8\"]\n", "did you mean 'q8_0'?"},
        {"[run]\nrepetitions = 0\n", "spec.toml:7:15: key 'run.repetitions' must be 1 to 1000"},
        {"[run]\ntime_budget_seconds = \"1h\"\n", "spec.toml:7:23: key 'run.time_budget_seconds' must be a number, got a string"},
        {"[device]\nlimits = \"no-fp17\"\n", "spec.toml:7:10: key 'device.limits':"},
        {"[sweep]\n[[points]]\nbatch = 2\n", "not both"},
        {"[[points]]\nmodel = \"tiyn\"\n", "spec.toml:7:9: key 'points.model' = 'tiyn' is not a model of the spec (tiny); did you mean 'tiny'?"},
        {"[[points]]\nbatch = [1, 2]\n", "spec.toml:7:9: key 'points.batch' of a listed point takes one value"},
        {"[[points]]\ntype = \"q8_0\"\n", "spec.toml:7:8: key 'points.type' = 'q8_0' is not one of the types of model 'tiny' (f16)"},
        {"[sweep]\nprompt = [300]\n", "point 1 (tiny/f16/kv-auto/w-auto/p300/n128/d0/b1): prompt 300 plus 128 generated tokens (and 2 that start the decode) needs 430 tokens, more than the context of 256 tokens"},
    };
    int n = 0;
    for (const Case& c : cases) {
        INFO(c.body);
        auto r = run_spec(spec_with(c.body), "bad" + std::to_string(n++));
        CHECK(r.exit_code == 1);
        CHECK(has(r, c.message));
    }
    // Errors in [[models]].
    const Case model_cases[] = {
        {"[[models]]\nname = \"x\"\ntypes = [\"f16\"]\n", "needs exactly one of 'path' (an existing model) or 'config'"},
        {"[[models]]\nconfig = \"" + kTiny + "\"\ntypes = [\"q9_0\"]\n", "spec.toml:3:10: key 'models.types' holds 'q9_0', not a weight type"},
        {"[[models]]\nconfig = \"no-such.toml\"\n", "spec.toml:2:10: key 'models.config': "},
        {"[[models]]\nconfig = \"" + kTiny + "\"\nseeds = 2\n", "spec.toml:3:1: unknown key 'seeds' in [models]; did you mean 'seed'?"},
        {"[[models]]\nconfig = \"" + kTiny + "\"\n[[models]]\nconfig = \"" + kTiny + "\"\n", "two models are named 'tiny-llama'"},
        {"name = \"x\"\n", "a spec needs at least one [[models]] entry"},
        {"[[models]\n", "spec.toml:1:"},
    };
    for (const Case& c : model_cases) {
        INFO(c.body);
        auto r = run_spec(c.body, "bad" + std::to_string(n++));
        CHECK(r.exit_code == 1);
        CHECK(has(r, c.message));
    }
    // The mode flags.
    auto r = run_cli("bench");
    CHECK(r.exit_code == 1);
    CHECK(has(r, "bench needs one of -m MODEL, --spec FILE --out DIR or --compare BASE.json NEW.json"));
    r = run_cli("bench --spec " + kSource + "/configs/bench/smoke.toml");
    CHECK(r.exit_code == 1);
    CHECK(has(r, "--spec needs --out DIR"));
    fs::remove_all(scratch("").parent_path());
}

TEST_CASE("every shipped bench spec is valid") {
    // Refused specs fail while reading, before any model is made: a spec that reads cleanly
    // gets as far as making models, which the check below stops by naming an unwritable --out.
    for (const auto& entry : fs::directory_iterator(kSource + "/configs/bench")) {
        if (entry.path().extension() != ".toml") continue;
        INFO(entry.path().string());
        auto r = run_cli("bench --spec " + entry.path().string() + " --out /dev/null/x");
        CHECK(r.exit_code == 1);
        CHECK(has(r, "/dev/null/x"));
        CHECK(r.output.find(entry.path().filename().string() + ":") == std::string::npos);
    }
}

TEST_CASE("bench --spec: listed points of a model given by path, in the order listed") {
    const std::string text = "[run]\nwarmups = 0\nrepetitions = 1\n[[models]]\npath = \"" + kSource +
                             "/models/default\"\n[[points]]\nprompt = 8\ngenerate = 2\nbatch = 2\nkv_type = \"q8_0\"\n"
                             "[[points]]\nprompt = 4\ngenerate = 3\ndepth = 5\n";
    const fs::path dir = scratch("points");
    write(dir / "spec.toml", text);
    auto r = run_cli("bench --spec " + (dir / "spec.toml").string() + " --out " + (dir / "out").string());
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const json j = json::parse(read(dir / "out" / "results.json"));
    CHECK(j["name"] == "spec");
    REQUIRE(j["points"].size() == 2);
    const json &a = j["points"][0], &b = j["points"][1];
    CHECK(a["id"] == "default/stored/kv-q8_0/w-auto/p8/n2/d0/b2");
    CHECK(a["kv_type_resolved"] == "q8_0");
    CHECK(a["model_path"] == kSource + "/models/default");
    CHECK(a["rounds"].size() == 1);
    CHECK(a["rounds"][0]["decode_tokens"] == 4);  // both sequences' two tokens, decoded together
    CHECK(b["id"] == "default/stored/kv-auto/w-auto/p4/n3/d5/b1");
    CHECK(b["rounds"][0]["decode_tokens"] == 3);
    CHECK(!fs::exists(dir / "out" / "models"));  // nothing to make
    fs::remove_all(dir.parent_path());
}
