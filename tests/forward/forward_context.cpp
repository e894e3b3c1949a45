#include "forward/forward_context.h"
#include "environment.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <span>

#include "runtime/gpu_executor.h"
#include "vkllm/engine.h"

namespace vkllm::test {

vk::Device& forward_device() {
    static auto instance = std::make_shared<vk::Instance>(env::instance_options());
    static vk::Device device(instance, env::device_options());
    return device;
}

ValidationCheck::ValidationCheck() : start_(forward_device().instance().validation_log().count()) {}

ValidationCheck::~ValidationCheck() {
    for (const auto& m : forward_device().instance().validation_log().messages_since(start_)) FAIL_CHECK(m);
}

std::string small_model_toml(const std::string& extra) {
    static const char* base = R"(
name = "variant"
[model]
vocab_size = 97
hidden_size = 48
num_layers = 2
num_heads = 6
num_kv_heads = 2
max_position = 128
)";
    std::string text = extra;
    const std::string ffn = "[ffn]\n";
    if (auto at = text.find(ffn); at != std::string::npos) text.insert(at + ffn.size(), "intermediate_size = 80\n");
    else text += ffn + "intermediate_size = 80\n";
    return base + text;
}

std::vector<float> decode_rows(plan::GpuForward& forward, const std::vector<int32_t>& ids) {
    std::vector<float> rows;
    for (int32_t id : ids) {
        auto row = forward.step(std::span<const int32_t>(&id, 1));
        rows.insert(rows.end(), row.begin(), row.end());
    }
    return rows;
}

std::vector<int32_t> greedy_tokens(const LoadedModel& model, const plan::ForwardOptions& options,
                                   const std::vector<int32_t>& prompt, size_t count) {
    Engine engine(std::make_unique<runtime::GpuExecutor>(forward_device(), model.config, model.weights, options),
                  model.config, EngineOptions{});
    Request request;
    request.prompt = prompt;
    request.sampling.temperature = 0;
    request.max_tokens = uint32_t(count);
    request.stop_at_eos = false;
    const uint64_t id = engine.submit(request);
    engine.run_until_done();
    return engine.result(id).tokens;
}

}  // namespace vkllm::test
