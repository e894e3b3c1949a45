#pragma once
// Reading the Hugging Face fixture cases in tests/data/hf/models/ (see its README).
#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::test {

struct HfCase {
    std::string dir;
    std::vector<int32_t> input_ids;
    std::vector<float> expected;  // reference_logits.bin or reference_hidden.bin, row-major
    size_t cols = 0;
    std::vector<int32_t> prompt_ids, generated_ids;  // greedy-generation reference (causal LMs)
    double min_margin = 0;                           // smallest top-1/top-2 logit gap during generation
};

HfCase load_hf_case(const std::string& name);

struct Errors {
    double max_abs = 0;
    double relative = 0;  // ||out - ref|| / ||ref||
};
Errors compare(const std::vector<float>& out, const std::vector<float>& ref);

}  // namespace vkllm::test
