// The shipped default model end to end on the CPU: our tokenizer gives the ids
// the training script recorded, and our perplexity on the held-out passage
// matches the one PyTorch computed (training/metrics.json).
// Tolerance: 1e-4 relative. PyTorch ran float32; the reference accumulates in
// float64. Per-token NLL differences of ~1e-5 over 478 tokens move the NLL sum
// by ~5e-3 of 1365, i.e. the perplexity by ~4e-6 relative.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/load.h"
#include "reference/reference.h"
#include "runtime/perplexity.h"
#include "tokenizer/tokenizer.h"
#include "support/fixture_files.h"

using namespace vkllm;

TEST_CASE("default model: tokenizer ids and held-out perplexity match the training record") {
    const std::string root = VKLLM_SOURCE_DIR;
    auto metrics = nlohmann::json::parse(vkllm::test::read_text_file(root + "/training/metrics.json"));
    const double recorded = metrics.at("passage_perplexity").get<double>();
    const auto recorded_ids = metrics.at("passage_token_ids").get<std::vector<int32_t>>();

    LoadedModel model = load_model(root + "/models/default");
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(model.config.tokenizer);
    std::vector<int32_t> ids = tok.encode(vkllm::test::read_text_file(root + "/models/default/heldout.txt"), true);
    CHECK(ids == recorded_ids);

    REQUIRE(tok.bos_id());
    REQUIRE(ids.front() == *tok.bos_id());
    std::vector<int32_t> text(ids.begin() + 1, ids.end());
    auto forward = [&](const std::vector<int32_t>& t) { return reference_forward(model.config, model.weights, t); };
    auto result = runtime::perplexity(forward, text, tok.bos_id(), model.config.max_position, model.config.vocab_size);
    CHECK(result.predicted == metrics.at("passage_tokens_predicted").get<uint64_t>());
    INFO("vkllm " << result.perplexity << " vs PyTorch " << recorded);
    CHECK(std::fabs(result.perplexity - recorded) <= 1e-4 * recorded);
}
