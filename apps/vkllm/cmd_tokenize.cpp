// `vkllm tokenize`: text on stdin, token ids as a JSON array on stdout.
#include <chrono>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "command.h"
#include "common/input_file.h"
#include "output.h"
#include "tokenizer/tokenizer.h"

namespace vkllm::cli {
namespace {

struct TokenizeOptions {
    std::string tokenizer_path;
    bool add_special = false;
    bool bench = false;
};

std::string read_stdin() { return read_descriptor_capped(STDIN_FILENO, "stdin", input_caps::text_bytes); }

// Encoding speed on the given text, single thread: the first pass fills the
// word cache, later passes show the steady state.
void run_bench(const tokenizer::Tokenizer& tokenizer, const std::string& text) {
    using clock = std::chrono::steady_clock;
    const double megabytes = static_cast<double>(text.size()) / 1e6;
    auto start = clock::now();
    std::size_t tokens = tokenizer.encode(text).size();
    const double first = std::chrono::duration<double>(clock::now() - start).count();
    int passes = 0;
    start = clock::now();
    double elapsed = 0;
    while (elapsed < 2.0 || passes < 2) {
        tokens = tokenizer.encode(text).size();
        ++passes;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    }
    std::printf("{\"bytes\": %zu, \"tokens\": %zu, \"first_pass_mb_per_s\": %.2f, \"steady_mb_per_s\": %.2f, \"passes\": %d}\n",
                text.size(), tokens, megabytes / first, megabytes * passes / elapsed, passes);
}

Registration reg{"tokenize", "Encode stdin to token ids (JSON array)", [](CLI::App& sub) {
                     auto options = std::make_shared<TokenizeOptions>();
                     sub.add_option("--tokenizer", options->tokenizer_path, "tokenizer.json, or a folder holding one")
                         ->required();
                     sub.add_flag("--add-special", options->add_special, "Add BOS/EOS as the tokenizer's post-processor says");
                     // Hidden: measures encoding speed instead of printing ids.
                     sub.add_flag("--bench", options->bench)->group("");
                     return std::function<int()>([options] {
                         const auto tokenizer = tokenizer::load_tokenizer(options->tokenizer_path);
                         const std::string text = read_stdin();
                         if (options->bench) {
                             run_bench(tokenizer, text);
                             return 0;
                         }
                         const std::vector<int32_t> ids = tokenizer.encode(text, options->add_special);
                         std::string out = "[";
                         for (std::size_t i = 0; i < ids.size(); ++i) {
                             if (i) out += ", ";
                             out += std::to_string(ids[i]);
                         }
                         out += "]\n";
                         write_stdout(out);
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
