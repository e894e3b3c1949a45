#pragma once
// Chat prompt formats of the common model families, written as code (there is
// no Jinja engine). A conversation is rendered as text with the family's
// special-token spellings; the tokenizer turns those back into their ids.
//
// Rendering is built from per-turn pieces so that a chat can feed only what is
// new: for each user message, user_turn() gives the text to append after the
// previous assistant reply (closing that reply where the family needs it) up
// to and including the assistant header. The model's reply follows verbatim.
// render() is exactly the concatenation of those pieces and the replies.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::runtime {

enum class ChatFamily {
    None,    // plain continuation: the user text, then the model goes on
    ChatML,  // <|im_start|>role\n...<|im_end|>\n (Qwen and others)
    Llama3,  // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
    Llama2,  // <s>[INST] ... [/INST] (Llama 2, Mistral)
    Gemma,   // <start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n
};

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

// "none", "chatml", "llama3", "llama2" (or "mistral"), "gemma"; throws InputError otherwise.
ChatFamily parse_chat_family(const std::string& name);
std::string chat_family_name(ChatFamily family);

class ChatTemplate {
public:
    explicit ChatTemplate(ChatFamily family) : family_(family) {}

    ChatFamily family() const { return family_; }
    // What the model writes to end its turn; empty for None (only EOS ends it).
    std::string end_of_turn() const;
    // Whether the rendered text spells the beginning-of-sequence token itself
    // (otherwise the caller puts the tokenizer's BOS in front of the first turn).
    bool spells_bos() const;

    // Text to append for a user message. `first`: the conversation starts here
    // (the system text, if any, goes in); otherwise the previous assistant
    // reply is closed first.
    std::string user_turn(const std::string& user, bool first, const std::string& system = {}) const;

    // The whole conversation: an optional leading system message, then user and
    // assistant messages alternating from a user message. With
    // `add_generation_prompt` the text ends with the assistant header after a
    // final user message. Throws InputError for any other order of roles.
    std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt = true) const;

private:
    ChatFamily family_;
};

// The family a Jinja chat_template string is written for, from the markers it
// uses; None when no known marker appears.
ChatFamily detect_chat_family(std::string_view jinja_template);

// The family whose special tokens the vocabulary has (`has_token` answers for
// one spelling); None when none matches.
ChatFamily detect_chat_family_from_tokens(const std::function<bool(std::string_view)>& has_token);

// The chat_template of a tokenizer_config.json (a string, or a list of named
// templates where the "default" one wins); empty when the file or key is
// absent. Throws InputError naming the file when it is not valid JSON.
std::string read_chat_template(const std::filesystem::path& tokenizer_config);

}  // namespace vkllm::runtime
