// `vkllm perplexity`: how well a model predicts a text file.
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "common/input_file.h"
#include "model_tokenizer.h"
#include "model/load.h"
#include "reference/reference.h"
#include "runtime/perplexity.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct PerplexityOptions {
    std::string model, file, tokenizer;
    uint32_t window = 0;
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
    auto forward = [&](const std::vector<int32_t>& t) { return reference_forward(model.config, model.weights, t); };
    auto r = runtime::perplexity(forward, tokens, tok.bos_id(), window, model.config.vocab_size);
    if (o.json) {
        std::printf("%s\n", nlohmann::json{{"perplexity", r.perplexity},
                                           {"nll_sum", r.nll_sum},
                                           {"tokens_predicted", r.predicted},
                                           {"window", window},
                                           {"backend", "cpu-reference"}}
                                .dump()
                                .c_str());
    } else {
        std::printf("perplexity %.4f over %llu tokens (window %u, CPU reference backend)\n", r.perplexity,
                    static_cast<unsigned long long>(r.predicted), window);
    }
    return 0;
}

Registration reg{"perplexity", "Perplexity of a model on a text file", [](CLI::App& sub) {
                     auto o = std::make_shared<PerplexityOptions>();
                     sub.add_option("-m,--model", o->model, "Model (TOML, Hugging Face directory or GGUF)")->required();
                     sub.add_option("-f,--file", o->file, "Text file")->required();
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("--window", o->window, "Tokens per chunk including the start token (default: the context)");
                     sub.add_flag("--json", o->json, "Print JSON");
                     return std::function<int()>([o] { return run(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
