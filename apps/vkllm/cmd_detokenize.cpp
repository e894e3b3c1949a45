// `vkllm detokenize`: a JSON array of token ids on stdin, the text on stdout.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "command.h"
#include "common/json_document.h"
#include "output.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct DetokenizeOptions {
    std::string tokenizer_path;
    bool skip_special = false;
};

std::vector<int32_t> read_ids_from_stdin() {
    const std::string input = read_descriptor_capped(STDIN_FILENO, "stdin", input_caps::text_bytes);
    const nlohmann::json value = parse_json_document(input, "stdin");
    if (!value.is_array()) throw InputError("stdin: expected a JSON array of token ids");
    std::vector<int32_t> ids;
    ids.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto& item = value[i];
        const bool in_range = item.is_number_unsigned() ? item.get<uint64_t>() <= INT32_MAX
                                                        : item.is_number_integer() && item.get<int64_t>() >= INT32_MIN &&
                                                              item.get<int64_t>() <= INT32_MAX;
        if (!in_range) throw InputError("stdin: element " + std::to_string(i) + " (" + item.dump() + ") is not a token id");
        ids.push_back(static_cast<int32_t>(item.get<int64_t>()));
    }
    return ids;
}

Registration reg{"detokenize", "Decode a JSON array of token ids from stdin to text", [](CLI::App& sub) {
                     auto options = std::make_shared<DetokenizeOptions>();
                     sub.add_option("--tokenizer", options->tokenizer_path, "tokenizer.json, or a folder holding one")
                         ->required();
                     sub.add_flag("--skip-special", options->skip_special, "Leave out special tokens (BOS, EOS, chat markers)");
                     return std::function<int()>([options] {
                         const auto tokenizer = tokenizer::load_tokenizer(options->tokenizer_path);
                         const std::string text = tokenizer.decode(read_ids_from_stdin(), options->skip_special);
                         write_stdout(text);
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
