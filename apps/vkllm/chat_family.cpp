#include "chat_family.h"

#include <filesystem>

namespace vkllm::cli {

runtime::ChatFamily choose_chat_family(const std::string& name, const std::string& tokenizer_path,
                                       const tokenizer::Tokenizer& tok) {
    if (!name.empty()) return runtime::parse_chat_family(name);
    std::filesystem::path p(tokenizer_path);
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::is_directory(p, ec) ? p : p.parent_path();
    std::string jinja = runtime::read_chat_template(dir / "tokenizer_config.json");
    if (!jinja.empty()) {
        runtime::ChatFamily family = runtime::detect_chat_family(jinja);
        if (family != runtime::ChatFamily::None) return family;
    }
    return runtime::detect_chat_family_from_tokens(
        [&](std::string_view text) { return tok.find_token(text).has_value(); });
}

}  // namespace vkllm::cli
