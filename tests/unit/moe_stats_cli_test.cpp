// `vkllm run --moe-stats` and the MoE figures of `vkllm bench`, run as a user
// runs them: on random-weight MoE models that make-model writes (their vocabulary
// fits the small test tokenizer) and on the Mixtral fixture for bench.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;

const std::string kTokenizer = std::string(VKLLM_TEST_DATA_DIR) + "/tokenizers/tiny_sentencepiece/tokenizer.json";
const std::string kMixtral = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/mixtral_moe";
// Ids 1, 259, 123, 124, 125, 259, 116 with the test tokenizer: 7 prompt tokens below the model's 264.
const std::string kPrompt = "'xyz q'";
constexpr uint32_t kPromptTokens = 7;

// Three MoE layers, 4 experts, top-2; `extra_moe` adds keys to the [moe] table.
std::string moe_config(const std::string& extra_moe) {
    return "name = \"moe-cli\"\n"
           "[model]\nvocab_size = 264\nhidden_size = 32\nnum_layers = 3\nnum_heads = 4\nnum_kv_heads = 2\n"
           "max_position = 64\n"
           "[ffn]\nintermediate_size = 48\n"
           "[moe]\nnum_experts = 4\ntop_k = 2\nexpert_intermediate_size = 24\n" +
           extra_moe;
}

// A make-model'd model in a temporary folder, removed with the object.
struct MadeModel {
    fs::path dir;
    explicit MadeModel(const std::string& name, const std::string& config) {
        dir = fs::temp_directory_path() / ("vkllm-moe-cli-" + name + "-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        std::ofstream(dir / "config.toml") << config;
        auto r = vkllm::test::run_cli("make-model --config " + (dir / "config.toml").string() + " --seed 7 --out " +
                                      (dir / "model").string());
        REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    }
    ~MadeModel() { fs::remove_all(dir); }
    std::string path() const { return (dir / "model" / "model.toml").string(); }
};

struct ReportLayer {
    uint64_t tokens = 0;
    uint32_t top_k = 0, experts = 0;
    double balance = 0;
    bool has_assigned = false;
    std::vector<uint64_t> chosen, assigned;
    uint64_t dropped = 0;
};

// Reads the per-layer tables that format_moe_report writes.
std::vector<ReportLayer> parse_report(const std::string& text) {
    std::vector<ReportLayer> layers;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        unsigned layer = 0, k = 0, n = 0;
        unsigned long long tokens = 0;
        double balance = 0;
        unsigned long long dropped = 0, all = 0;
        if (std::sscanf(line.c_str(), "MoE layer %u: %llu tokens, top-%u of %u experts, balance N*sum(f_i*P_i) = %lf",
                        &layer, &tokens, &k, &n, &balance) == 5) {
            CHECK(layer == layers.size());
            layers.push_back({tokens, k, n, balance});
        } else if (line.rfind("  expert", 0) == 0 && !layers.empty()) {
            layers.back().has_assigned = line.find("assigned") != std::string::npos;
        } else if (std::sscanf(line.c_str(), "  dropped slots: %llu of %llu", &dropped, &all) == 2 && !layers.empty()) {
            layers.back().dropped = dropped;
        } else if (!layers.empty() && layers.back().chosen.size() < layers.back().experts) {
            std::istringstream row(line);
            unsigned expert = 0;
            uint64_t chosen = 0, assigned = 0;
            double f = 0, p = 0;
            ReportLayer& l = layers.back();
            if (!(row >> expert >> chosen)) continue;
            if (l.has_assigned) row >> assigned;
            if (!(row >> f >> p)) continue;
            CHECK(expert == l.chosen.size());
            l.chosen.push_back(chosen);
            if (l.has_assigned) l.assigned.push_back(assigned);
        }
    }
    return layers;
}

uint64_t sum(const std::vector<uint64_t>& v) {
    uint64_t s = 0;
    for (uint64_t x : v) s += x;
    return s;
}

}  // namespace

TEST_CASE("run --moe-stats: a table for every MoE layer and expert, counts summing to tokens * k") {
    MadeModel model("text", moe_config(""));
    auto r = vkllm::test::run_cli("run -m " + model.path() + " --tokenizer " + kTokenizer + " -p " + kPrompt +
                                  " --greedy --ignore-eos -n 5 -q --moe-stats");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    std::vector<ReportLayer> layers = parse_report(r.output);
    REQUIRE(layers.size() == 3);
    for (const ReportLayer& l : layers) {
        // The prompt runs through the model, then each generated token but the last.
        CHECK(l.tokens == kPromptTokens + 5 - 1);
        CHECK(l.top_k == 2);
        CHECK(l.experts == 4);
        REQUIRE(l.chosen.size() == 4);
        CHECK(sum(l.chosen) == l.tokens * l.top_k);
        CHECK_FALSE(l.has_assigned);  // no capacity: every choice runs
        CHECK(l.balance >= 0.5);
        CHECK(l.balance <= 4.0);
    }
    CHECK(r.output.find("MoE balance over 3 layers: mean ") != std::string::npos);
    CHECK(r.output.find("experts with no tokens: ") != std::string::npos);
}

TEST_CASE("run --moe-stats: with a capacity the table shows assigned slots and the dropped ones") {
    // A factor of 1 gives each expert ceil(7 / 4) = 2 of the prompt's 14 choices: at least 6 are dropped.
    MadeModel model("capacity", moe_config("capacity_factor = 1.0\ncapacity_overflow = \"drop\"\n"));
    auto r = vkllm::test::run_cli("run -m " + model.path() + " --tokenizer " + kTokenizer + " -p " + kPrompt +
                                  " --greedy --ignore-eos -n 3 -q --moe-stats");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    std::vector<ReportLayer> layers = parse_report(r.output);
    REQUIRE(layers.size() == 3);
    for (const ReportLayer& l : layers) {
        CHECK(l.has_assigned);
        REQUIRE(l.assigned.size() == 4);
        CHECK(l.dropped >= 6);
        CHECK(sum(l.chosen) == l.tokens * l.top_k);
        CHECK(sum(l.assigned) + l.dropped == l.tokens * l.top_k);
    }
}

TEST_CASE("run --moe-stats --json: one object per layer with consistent numbers") {
    MadeModel model("json", moe_config(""));
    auto r = vkllm::test::run_cli("run -m " + model.path() + " --tokenizer " + kTokenizer + " -p " + kPrompt +
                                      " --greedy --ignore-eos -n 4 --json --moe-stats",
                                  "", false);
    REQUIRE(r.exit_code == 0);
    auto out = nlohmann::json::parse(r.output);
    const uint64_t tokens = out["prompt_tokens"].get<uint64_t>() + out["tokens"].size() - 1;
    REQUIRE(out["moe"].size() == 3);
    double balance_sum = 0;
    for (size_t l = 0; l < 3; ++l) {
        const auto& layer = out["moe"][l];
        CHECK(layer["layer"] == l);
        CHECK(layer["tokens"].get<uint64_t>() == tokens);
        CHECK(layer["dropped"] == 0);
        REQUIRE(layer["experts"].size() == 4);
        uint64_t chosen = 0;
        double fractions = 0, probabilities = 0, fp = 0;
        for (const auto& e : layer["experts"]) {
            chosen += e["chosen"].get<uint64_t>();
            CHECK(e["assigned"] == e["chosen"]);
            fractions += e["fraction"].get<double>();
            probabilities += e["mean_probability"].get<double>();
            fp += e["fraction"].get<double>() * e["mean_probability"].get<double>();
        }
        CHECK(chosen == tokens * 2);
        // f_i are exact ratios of counts; double rounding only.
        CHECK(fractions == doctest::Approx(1.0).epsilon(1e-12));
        // Softmax probabilities summed in float32 on the GPU over ~10 tokens: ~1e-6 relative.
        CHECK(probabilities == doctest::Approx(1.0).epsilon(1e-4));
        // The balance is N * sum f_i P_i of the same doubles (the JSON round-trips them exactly up to printing).
        CHECK(layer["balance"].get<double>() == doctest::Approx(4 * fp).epsilon(1e-9));
        balance_sum += layer["balance"].get<double>();
    }
    CHECK(out["moe_balance_mean"].get<double>() == doctest::Approx(balance_sum / 3).epsilon(1e-9));
    CHECK(out["moe_balance_max"].get<double>() >= out["moe_balance_mean"].get<double>());
    // The idle experts are exactly those that ran no slot.
    nlohmann::json idle = nlohmann::json::array();
    for (const auto& layer : out["moe"])
        for (const auto& e : layer["experts"])
            if (e["assigned"] == 0) idle.push_back({{"layer", layer["layer"]}, {"expert", e["expert"]}});
    CHECK(out["moe_idle_experts"] == idle);
}

TEST_CASE("run --moe-stats on a dense model is a note, not an error; the CPU reference has no statistics") {
    const std::string dense = std::string(VKLLM_SOURCE_DIR) + "/models/default";
    auto r = vkllm::test::run_cli("run -m " + dense + " -p hi --greedy -n 2 -q --moe-stats");
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("has no MoE layers") != std::string::npos);

    auto json = vkllm::test::run_cli("run -m " + dense + " -p hi --greedy -n 2 --json --moe-stats", "", false);
    REQUIRE(json.exit_code == 0);
    CHECK(nlohmann::json::parse(json.output)["moe"].empty());

    auto reference = vkllm::test::run_cli("run -m " + dense + " -p hi -n 2 --backend reference --moe-stats");
    CHECK(reference.exit_code == 1);
    CHECK(reference.output.find("GPU path only") != std::string::npos);
}

TEST_CASE("bench --json on a MoE model: a decode token reads fewer bytes than all the weights") {
    auto r = vkllm::test::run_cli("bench -m " + kMixtral + " -p 8 -n 4 -r 1 --json --moe-stats", "", false);
    REQUIRE(r.exit_code == 0);
    auto out = nlohmann::json::parse(r.output);
    const uint64_t all = out["weights_bytes"], decode = out["decode_weight_bytes"];
    CHECK(decode < all);
    CHECK(decode > 0);
    CHECK(out["moe_balance_mean"].get<double>() > 0);
    REQUIRE(out["moe"].size() == 2);
    for (const auto& layer : out["moe"]) {
        // One round: the prompt, the step that starts the decode (the prompt's
        // token and one more), then a token per decode step but the first.
        CHECK(layer["tokens"] == 8 + 2 + 4);
        uint64_t chosen = 0;
        for (const auto& e : layer["experts"]) chosen += e["chosen"].get<uint64_t>();
        CHECK(chosen == 14 * 2);
    }
}

TEST_CASE("bench prints both weight figures and the routing summary for a MoE model") {
    auto r = vkllm::test::run_cli("bench -m " + kMixtral + " -p 8 -n 2 -r 1");
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK(r.output.find("ideal: only the experts its tokens pick, 2 of 4 per token and layer") != std::string::npos);
    CHECK(r.output.find("MoE balance over 2 layers: mean ") != std::string::npos);
    CHECK(r.output.find("MoE layer 0:") == std::string::npos);  // the table only with --moe-stats
}
