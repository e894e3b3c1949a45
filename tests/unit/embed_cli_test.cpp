// `vkllm embed` on the BERT fixture: the GPU (f32 weights) and the CPU
// reference give the same unit vector within 1e-4 per component (the hidden
// states agree within 1e-4 with transformers', tests/forward/hf_forward_test.cpp);
// both equal the fixture's transformers hidden states mean-pooled here; a text
// model and a bad token list are refused by name.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_runner.h"
#include "support/fixture_files.h"

namespace {

const std::string kBert = std::string(VKLLM_SOURCE_DIR) + "/tests/data/hf/models/bert_encoder";

std::string token_list(const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
    return s;
}

}  // namespace

TEST_CASE("vkllm embed: GPU and CPU reference agree with transformers' pooled hidden states") {
    const nlohmann::json ref = nlohmann::json::parse(vkllm::test::read_text_file(kBert + "/reference.json"));
    const std::vector<int32_t> ids = ref["input"]["input_ids"].get<std::vector<int32_t>>();
    const std::vector<float> hidden = vkllm::test::read_f32_file(kBert + "/reference_hidden.bin");
    const size_t width = hidden.size() / ids.size();
    std::vector<double> mean(width, 0.0);
    for (size_t t = 0; t < ids.size(); ++t)
        for (size_t i = 0; i < width; ++i) mean[i] += hidden[t * width + i];
    double norm = 0;
    for (double x : mean) norm += x * x;
    for (double& x : mean) x /= std::sqrt(norm);
    for (const char* backend : {"gpu --weights f32", "reference"}) {
        auto r = vkllm::test::run_cli("embed -m " + kBert + " --tokens " + token_list(ids) + " --backend " + backend, "", false);
        REQUIRE(r.exit_code == 0);
        const nlohmann::json j = nlohmann::json::parse(r.output);
        CHECK(j["tokens"] == ids.size());
        CHECK(j["pooling"] == "mean");
        const std::vector<float> e = j["embedding"].get<std::vector<float>>();
        REQUIRE(e.size() == width);
        double worst = 0;
        for (size_t i = 0; i < width; ++i) worst = std::max(worst, std::abs(e[i] - mean[i]));
        INFO(backend << ": largest difference " << worst);
        CHECK(worst <= 1e-4);
    }
    auto text_model = vkllm::test::run_cli("embed -m " + std::string(VKLLM_SOURCE_DIR) + "/models/default --tokens 1,2");
    CHECK(text_model.exit_code != 0);
    CHECK(text_model.output.find("encoder-only") != std::string::npos);
    auto bad = vkllm::test::run_cli("embed -m " + kBert + " --tokens 1,x");
    CHECK(bad.exit_code != 0);
    CHECK(bad.output.find("'x' is not a token id") != std::string::npos);
}
