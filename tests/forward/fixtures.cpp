#include "forward/fixtures.h"

#include "support/fixture_files.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace vkllm::test {


HfCase load_hf_case(const std::string& name) {
    HfCase c;
    c.dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/" + name;
    std::ifstream in(c.dir + "/reference.json");
    REQUIRE_MESSAGE(in, "missing fixture " << c.dir);
    auto ref = nlohmann::json::parse(in);
    c.input_ids = ref.at("input").at("input_ids").get<std::vector<int32_t>>();
    c.expected = read_f32_file(c.dir + "/" + ref.at("output").at("file").get<std::string>());
    c.cols = c.expected.size() / c.input_ids.size();
    if (!ref.at("generation").is_null()) {
        c.prompt_ids = ref["generation"].at("prompt_ids").get<std::vector<int32_t>>();
        c.generated_ids = ref["generation"].at("generated_ids").get<std::vector<int32_t>>();
        c.min_margin = ref["generation"].at("min_top1_top2_logit_margin").get<double>();
    }
    return c;
}

Errors compare(const std::vector<float>& out, const std::vector<float>& ref) {
    REQUIRE(out.size() == ref.size());
    Errors e;
    double diff = 0, norm = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (!std::isfinite(out[i])) return {INFINITY, INFINITY};
        double d = double(out[i]) - ref[i];
        e.max_abs = std::max(e.max_abs, std::fabs(d));
        diff += d * d;
        norm += double(ref[i]) * ref[i];
    }
    e.relative = std::sqrt(diff / norm);
    return e;
}

}  // namespace vkllm::test
