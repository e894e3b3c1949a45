// `vkllm embed`: the embedding of token ids or a text by an encoder model
// (BERT family) through Engine::embed: the last hidden states pooled as the
// model config says ([output] pooling, mean or cls) and L2-normalised, printed
// as JSON. --backend reference runs the CPU reference instead of the GPU.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_options.h"
#include "model/config_names.h"
#include "model/load.h"
#include "model/model_tokenizer.h"
#include "reference_executor.h"
#include "token_list.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct EmbedOptions {
    std::string model, tokens, text, tokenizer;
    std::string backend = "gpu";
    std::string weights = "auto";
};

int run(const EmbedOptions& o) {
    if (o.tokens.empty() == o.text.empty()) throw InputError("give the input as --tokens IDS or -p TEXT (one of them)");
    if (o.backend != "gpu" && o.backend != "reference")
        throw InputError("--backend must be gpu or reference, not '" + o.backend + "'");
    LoadedModel model = load_model(o.model);
    if (model.config.kind != ModelKind::EncoderOnly)
        throw InputError(o.model + ": embed needs an encoder-only model (BERT family); this one generates text");
    std::vector<int32_t> ids;
    if (!o.tokens.empty()) {
        ids = parse_token_list(o.tokens, "--tokens");
    } else {
        const std::string path = o.tokenizer.empty() ? model.config.tokenizer : o.tokenizer;
        if (path.empty()) throw InputError(o.model + ": the model names no tokenizer; pass --tokenizer FILE or give --tokens");
        ids = load_model_tokenizer(path, model.config).encode(o.text, true);
    }
    EngineOptions options;
    options.weights = o.weights;
    std::unique_ptr<Engine> engine;
    if (o.backend == "gpu") {
        set_device_options(options);
        engine = std::make_unique<Engine>(model, options);
    } else {
        engine = std::make_unique<Engine>(std::make_unique<ReferenceExecutor>(model), model.config, options);
    }
    const std::vector<float> e = engine->embed(ids);
    std::printf("%s\n", nlohmann::json{{"tokens", ids.size()},
                                       {"pooling", std::string(to_string(model.config.pooling))},
                                       {"backend", o.backend == "gpu" ? "gpu" : "cpu-reference"},
                                       {"embedding", e}}
                            .dump()
                            .c_str());
    return 0;
}

Registration reg{"embed", "Embedding of token ids or a text by an encoder model (pooled, normalised; JSON)", [](CLI::App& sub) {
                     auto o = std::make_shared<EmbedOptions>();
                     sub.add_option("-m,--model", o->model, "Encoder model (TOML, Hugging Face directory or GGUF)")->required();
                     sub.add_option("--tokens", o->tokens, "Comma-separated token ids");
                     sub.add_option("-p,--prompt", o->text, "Text to embed (with the tokenizer's special tokens)");
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("--backend", o->backend, "gpu or reference (the CPU reference forward pass)");
                     sub.add_option("--weights", o->weights, "Matrix storage on the GPU: auto, f16, f32");
                     add_device_options(sub);
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
