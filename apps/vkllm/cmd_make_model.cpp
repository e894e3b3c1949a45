// `vkllm make-model`: random, well-scaled weights for a config, for tests and
// benchmarks without downloading a checkpoint.
#include <cstdio>

#include "command.h"
#include "model/load.h"
#include "model/make_model.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

DType parse_dtype(const std::string& text) {
    if (text == "f32") return DType::F32;
    if (text == "f16") return DType::F16;
    if (text == "bf16") return DType::BF16;
    throw InputError("--dtype '" + text + "' is not one of f32, f16 or bf16");
}

Registration make_model_command{
    "make-model", "Write random weights for a model config (model.safetensors + model.toml)",
    [](CLI::App& sub) -> std::function<int()> {
        struct Options {
            std::string config;
            uint64_t seed = 1;
            std::string out;
            std::string dtype;
        };
        auto options = std::make_shared<Options>();
        sub.add_option("--config", options->config, "model config (.toml)")->required();
        sub.add_option("--seed", options->seed, "random seed; the same seed gives the same bytes");
        sub.add_option("--out", options->out, "output folder")->required();
        sub.add_option("--dtype", options->dtype, "f32, f16 or bf16 (default: the config's dtype if it is one)");
        return [options] {
            ModelConfig config = parse_config_toml(options->config);
            DType dtype = options->dtype.empty() ? default_make_model_dtype(config) : parse_dtype(options->dtype);
            std::string written = make_model(config, options->seed, dtype, options->out);
            std::printf("wrote %s\n", written.c_str());
            return 0;
        };
    }};

}  // namespace
}  // namespace vkllm::cli
