// The perplexities recorded in models/default/README.md ("Quantized" table)
// for each `vkllm quantize` type, recomputed on the CPU reference.
// Margin: 1e-3 relative. The encoders are deterministic and the reference sums
// in float64, so a rerun reproduces the numbers to ~1e-6; the table rounds
// them to 3 decimals (3e-5 relative). A decoder or encoder that changed one
// block format would move its row by far more (Q4_0 sits 4% above F16).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "model/load.h"
#include "model/quantize.h"
#include "reference/reference.h"
#include "runtime/perplexity.h"
#include "tokenizer/tokenizer.h"
#include "support/fixture_files.h"

using namespace vkllm;

TEST_CASE("default model: perplexity of every quantized type matches models/default/README.md") {
    const std::string dir = std::string(VKLLM_SOURCE_DIR) + "/models/default";
    // Rows like "| `q4_k_m` | 3.9 | 17.766 | +2.1% |".
    const std::string readme = vkllm::test::read_text_file(dir + "/README.md");
    const std::regex row(R"(\| `([a-z0-9_]+)` \| [0-9.]+ \| ([0-9.]+) \|)");
    std::vector<std::pair<std::string, double>> recorded;
    for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row); it != std::sregex_iterator(); ++it)
        recorded.emplace_back((*it)[1], std::stod((*it)[2]));
    REQUIRE(recorded.size() == 6);

    LoadedModel base = load_model(dir);
    tokenizer::Tokenizer tok = tokenizer::load_tokenizer(base.config.tokenizer);
    const std::vector<int32_t> ids = tok.encode(vkllm::test::read_text_file(dir + "/heldout.txt"), false);
    for (const auto& row : recorded) {
        const std::string type = row.first;  // no structured bindings in doctest macros (clang)
        const double want = row.second;
        CAPTURE(type);
        QuantizeOptions o;
        o.input = dir;
        o.output = (std::filesystem::temp_directory_path() / ("vkllm_ppl_" + std::to_string(getpid()) + "_" + type + ".gguf")).string();
        o.type = type;
        quantize_model(o);
        LoadedModel q = load_model(o.output);
        auto forward = [&](const std::vector<int32_t>& t) { return reference_forward(q.config, q.weights, t); };
        const auto r = runtime::perplexity(forward, ids, tok.bos_id(), q.config.max_position, q.config.vocab_size);
        MESSAGE(type << ": perplexity " << r.perplexity << " over " << r.predicted << " tokens");
        CHECK(r.perplexity == doctest::Approx(want).epsilon(1e-3));
        std::filesystem::remove(o.output);
    }
}
