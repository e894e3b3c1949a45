#include "model/param_count.h"

#include "model/expected_tensors.h"

namespace vkllm {

ParameterCount count_parameters(const ModelConfig& config) {
    ParameterCount count;
    uint64_t routed = 0;
    for (const ExpectedTensor& t : expected_tensors(config)) {
        uint64_t n = 1;
        for (uint64_t d : t.shape) n *= d;
        count.total += n;
        if (t.role == TensorRole::Embedding) count.embedding += n;
        if (t.expert >= 0) routed += n;
    }
    count.active_per_token = count.total;
    const MoeConfig& m = config.moe;
    if (m.num_experts > 0 && !m.dense)
        count.active_per_token -= routed / m.num_experts * (m.num_experts - m.top_k);
    return count;
}

std::map<std::string, uint64_t> bytes_by_dtype(const ModelWeights& weights) {
    std::map<std::string, uint64_t> out;
    for (const auto& [name, view] : weights.tensors()) out[dtype_name(view.dtype)] += view.bytes;
    return out;
}

std::string attention_kind(const ModelConfig& config) {
    if (config.kv_heads() == config.num_heads) return "MHA";
    if (config.kv_heads() == 1) return "MQA";
    return "GQA";
}

}  // namespace vkllm
