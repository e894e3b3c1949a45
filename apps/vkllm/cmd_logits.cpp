// `vkllm logits`: the GPU forward pass over given token ids, written as raw
// float32 little-endian rows [n_tokens, vocab] (encoder-only models: hidden
// states [n_tokens, hidden]). --decode feeds the tokens one at a time through
// the KV cache instead of one prefill.
#include <cstdio>
#include <memory>

#include "command.h"
#include "device_options.h"
#include "context_options.h"
#include "output.h"
#include "model/load.h"
#include "plan/forward.h"
#include "token_list.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct LogitsOptions {
    std::string model, tokens, out, storage = "auto", kv_type = "auto";
    bool decode = false;
    uint32_t chunk = 64;
};

int run(const LogitsOptions& o) {
    std::vector<int32_t> ids = parse_token_list(o.tokens, "--tokens");
    LoadedModel model = load_model(o.model);
    require_fits_context(ids.size(), model.config.max_position, "--tokens (" + std::to_string(ids.size()) + " ids)",
                         "give at most " + std::to_string(model.config.max_position) + " token ids");  // before any GPU work
    auto instance = std::make_shared<vk::Instance>(instance_options());
    vk::Device device(instance, device_options());
    plan::ForwardOptions options;
    options.storage = plan::parse_matrix_storage(o.storage);
    options.max_step_tokens = o.chunk;
    options.kv_type = kv_type_option(o.kv_type);
    plan::GpuForward forward(device, model.config, model.weights, options);
    std::vector<float> rows;
    if (o.decode) {
        for (int32_t id : ids) {
            std::vector<float> row = forward.step(std::span<const int32_t>(&id, 1));
            rows.insert(rows.end(), row.begin(), row.end());
        }
    } else {
        rows = forward.step(ids);
    }
    write_file(o.out, rows.data(), rows.size() * sizeof(float));
    std::fprintf(stderr, "vkllm: wrote %zu x %zu float32 to %s (%s, %s)\n", ids.size(), rows.size() / ids.size(),
                 o.out.c_str(), device.caps().name.c_str(), o.decode ? "decode" : "prefill");
    return 0;
}

Registration reg{"logits", "Run the GPU forward pass and write the logits of every position", [](CLI::App& sub) {
                     auto o = std::make_shared<LogitsOptions>();
                     sub.add_option("-m,--model", o->model, "Model (TOML, Hugging Face directory or GGUF)")->required();
                     sub.add_option("--tokens", o->tokens, "Comma-separated token ids")->required();
                     sub.add_option("-o,--out", o->out, "Output file (float32 little-endian)")->required();
                     sub.add_flag("--decode", o->decode, "One token per step through the KV cache");
                     sub.add_option("--weights", o->storage, "Matrix storage on the GPU: auto, f16, f32");
                     add_kv_type_option(sub, o->kv_type);
                     sub.add_option("--chunk", o->chunk, "Most tokens per prefill step")->check(CLI::Range(1u, 8192u));
                     add_device_options(sub);
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
