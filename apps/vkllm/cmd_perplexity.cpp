// `vkllm perplexity`: how well a model predicts a text file through the
// engine's scoring (each chunk a fresh sequence), on the GPU by default
// (through the paged KV cache, weights as stored), or on the CPU reference
// with `--backend reference`.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "context_options.h"
#include "device_options.h"
#include "common/input_file.h"
#include "model/model_tokenizer.h"
#include "model/load.h"
#include "progress.h"
#include "reference_executor.h"
#include "runtime/perplexity.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct PerplexityOptions {
    std::string model, file, tokenizer;
    uint32_t window = 0;
    std::string backend = "gpu";
    std::string kv_type = "auto";
    bool json = false;
};

int run(const PerplexityOptions& o) {
    LoadedModel model = load_model(o.model);
    std::string tokenizer_path = o.tokenizer.empty() ? model.config.tokenizer : o.tokenizer;
    if (tokenizer_path.empty()) throw InputError(o.model + ": the model names no tokenizer; pass --tokenizer FILE");
    tokenizer::Tokenizer tok = load_model_tokenizer(tokenizer_path, model.config);
    const std::string text = read_regular_file(o.file, "text file", input_caps::text_bytes);
    std::vector<int32_t> tokens = tok.encode(text, false);
    uint32_t window = o.window ? o.window : model.config.max_position;
    if (window > model.config.max_position)
        throw InputError("--window " + std::to_string(window) + " exceeds the model's context of " +
                         std::to_string(model.config.max_position));
    if (o.backend != "gpu" && o.backend != "reference")
        throw InputError("--backend must be gpu or reference, not '" + o.backend + "'");

    const uint64_t chunks = tokens.empty() ? 0 : (tokens.size() + window - 1) / window;
    ProgressBar bar("perplexity", !o.json);
    uint64_t chunks_done = 0;
    EngineOptions options;
    options.step_tokens = std::min<uint32_t>(window, 512);
    std::unique_ptr<Engine> engine;
    if (o.backend == "gpu") {
        set_device_options(options);
        options.kv_type = o.kv_type;
        engine = std::make_unique<Engine>(model, options);
    } else {
        engine = std::make_unique<Engine>(std::make_unique<ReferenceExecutor>(model), model.config, options);
    }
    const std::string backend_name = engine->device_name(), kv_name = engine->kv_type();
    const bool gpu = o.backend == "gpu";
    // Every chunk is a fresh sequence, predicted from its own start token only.
    runtime::ForwardFn forward = [&](const std::vector<int32_t>& t) { return engine->score(t); };
    auto with_progress = [&](const std::vector<int32_t>& t) {
        std::vector<float> logits = forward(t);
        bar.update_count(++chunks_done, chunks, "chunks");
        return logits;
    };
    auto r = runtime::perplexity(with_progress, tokens, tok.bos_id(), window, model.config.vocab_size);
    bar.finish();
    if (o.json) {
        std::printf("%s\n", nlohmann::json{{"perplexity", r.perplexity},
                                           {"nll_sum", r.nll_sum},
                                           {"tokens_predicted", r.predicted},
                                           {"window", window},
                                           {"backend", o.backend == "gpu" ? "gpu" : "cpu-reference"},
                                           {"device", backend_name},
                                           {"kv_type", kv_name}}
                                .dump()
                                .c_str());
    } else {
        std::printf("perplexity %.4f over %llu tokens (window %u, %s%s)\n", r.perplexity,
                    static_cast<unsigned long long>(r.predicted), window, backend_name.c_str(),
                    gpu ? (", " + kv_name + " KV cache").c_str() : "");
    }
    return 0;
}

Registration reg{"perplexity", "Perplexity of a model on a text file", [](CLI::App& sub) {
                     auto o = std::make_shared<PerplexityOptions>();
                     sub.add_option("-m,--model", o->model, "Model (TOML, Hugging Face directory or GGUF)")->required();
                     sub.add_option("-f,--file", o->file, "Text file")->required();
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("--window", o->window, "Tokens per chunk including the start token (default: the context)");
                     sub.add_option("--backend", o->backend, "gpu (default) or reference (CPU oracle, slow)")
                         ->capture_default_str();
                     add_kv_type_option(sub, o->kv_type);
                     sub.add_flag("--json", o->json, "Print JSON");
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
