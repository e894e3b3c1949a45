#include "support/gguf_quant_cases.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "support/fixture_files.h"

namespace vkllm::test {

GgufQuantFixture load_gguf_quant_fixture(const GgufQuantCase& c) {
    const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/gguf-quant/" + c.name;
    std::ifstream in(dir + "/gguf_reference.json");
    REQUIRE_MESSAGE(in, "missing fixture " << dir);
    const nlohmann::json ref = nlohmann::json::parse(in);
    GgufQuantFixture f;
    f.model_path = dir + "/model-" + c.type + ".gguf";
    f.input_ids = ref.at("input_ids").get<std::vector<int32_t>>();
    f.expected = read_f32_file(dir + "/reference_logits_" + c.type + ".bin");
    f.unquantized = read_f32_file(dir + "/reference_logits_unquantized_fp32.bin");
    REQUIRE(f.expected.size() == f.unquantized.size());
    REQUIRE(f.expected.size() % f.input_ids.size() == 0);
    return f;
}


}  // namespace vkllm::test
