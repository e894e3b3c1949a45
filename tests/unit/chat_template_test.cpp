// Chat formats: exact text of a two-turn conversation with a system message in
// each family, incremental pieces that add up to the full rendering, and which
// family a chat_template string or a vocabulary points to.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "runtime/chat_template.h"
#include "vkllm/error.h"

using vkllm::runtime::ChatFamily;
using vkllm::runtime::ChatMessage;
using vkllm::runtime::ChatTemplate;

namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Name a color."}};

std::string incremental(const ChatTemplate& t) {
    return t.user_turn("Hi", true, "Be brief.") + "Hello!" + t.user_turn("Name a color.", false);
}

}  // namespace

TEST_CASE("ChatML renders a two-turn conversation") {
    ChatTemplate t(ChatFamily::ChatML);
    const std::string expected =
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
        "<|im_start|>user\nName a color.<|im_end|>\n"
        "<|im_start|>assistant\n";
    CHECK(t.render(kConversation) == expected);
    CHECK(incremental(t) == expected);
    CHECK(t.end_of_turn() == "<|im_end|>");
    CHECK_FALSE(t.spells_bos());
}

TEST_CASE("Llama 3 renders a two-turn conversation") {
    ChatTemplate t(ChatFamily::Llama3);
    const std::string expected =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nName a color.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n";
    CHECK(t.render(kConversation) == expected);
    CHECK(incremental(t) == expected);
    CHECK(t.end_of_turn() == "<|eot_id|>");
    CHECK(t.spells_bos());
}

TEST_CASE("Llama 2 / Mistral renders a two-turn conversation") {
    ChatTemplate t(ChatFamily::Llama2);
    const std::string expected =
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"
        "Hello!"
        " </s><s>[INST] Name a color. [/INST]";
    CHECK(t.render(kConversation) == expected);
    CHECK(incremental(t) == expected);
    CHECK(t.end_of_turn() == "</s>");
    CHECK(vkllm::runtime::parse_chat_family("mistral") == ChatFamily::Llama2);
}

TEST_CASE("Gemma renders a two-turn conversation, the system text leading the first user turn") {
    ChatTemplate t(ChatFamily::Gemma);
    const std::string expected =
        "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\nHello!<end_of_turn>\n"
        "<start_of_turn>user\nName a color.<end_of_turn>\n"
        "<start_of_turn>model\n";
    CHECK(t.render(kConversation) == expected);
    CHECK(incremental(t) == expected);
    CHECK(t.end_of_turn() == "<end_of_turn>");
}

TEST_CASE("none is plain continuation") {
    ChatTemplate t(ChatFamily::None);
    const std::string expected = "Be brief.\n\nHiHello!\nName a color.";
    CHECK(t.render(kConversation) == expected);
    CHECK(incremental(t) == expected);
    CHECK(t.end_of_turn().empty());
    CHECK(t.render({{"user", "Once upon a time"}}) == "Once upon a time");
}

TEST_CASE("rendering without a system message and a closed final reply") {
    ChatTemplate t(ChatFamily::ChatML);
    std::vector<ChatMessage> m = {{"user", "a"}, {"assistant", "b"}};
    CHECK(t.render(m, false) == "<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nb");
    CHECK_THROWS_AS(t.render({{"assistant", "x"}}), vkllm::InputError);
    CHECK_THROWS_AS(t.render({{"user", "a"}, {"user", "b"}}), vkllm::InputError);
    CHECK_THROWS_AS(t.render({{"user", "a"}}, false), vkllm::InputError);
}

TEST_CASE("family names round-trip and unknown names are rejected") {
    for (ChatFamily f : {ChatFamily::None, ChatFamily::ChatML, ChatFamily::Llama3, ChatFamily::Llama2, ChatFamily::Gemma})
        CHECK(vkllm::runtime::parse_chat_family(vkllm::runtime::chat_family_name(f)) == f);
    CHECK_THROWS_AS(vkllm::runtime::parse_chat_family("vicuna"), vkllm::InputError);
}

TEST_CASE("the family is detected from chat_template strings") {
    using vkllm::runtime::detect_chat_family;
    // Shortened versions of templates shipped with Qwen2, Llama 3, Gemma and Mistral.
    CHECK(detect_chat_family("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                             "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}") == ChatFamily::ChatML);
    CHECK(detect_chat_family("{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                             " + message['content'] | trim + '<|eot_id|>' %}") == ChatFamily::Llama3);
    CHECK(detect_chat_family("{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + "
                             "message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}") == ChatFamily::Gemma);
    CHECK(detect_chat_family("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                             "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}") ==
          ChatFamily::Llama2);
    CHECK(detect_chat_family("{{ messages[0]['content'] }}") == ChatFamily::None);
    CHECK(detect_chat_family("") == ChatFamily::None);
}

TEST_CASE("the family is detected from the vocabulary's special tokens") {
    auto from = [](std::set<std::string> vocab) {
        return vkllm::runtime::detect_chat_family_from_tokens(
            [&](std::string_view t) { return vocab.count(std::string(t)) != 0; });
    };
    CHECK(from({"<|im_start|>", "<|im_end|>", "<|endoftext|>"}) == ChatFamily::ChatML);
    CHECK(from({"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}) == ChatFamily::Llama3);
    CHECK(from({"<bos>", "<start_of_turn>", "<end_of_turn>"}) == ChatFamily::Gemma);
    CHECK(from({"<s>", "</s>", "[INST]", "[/INST]"}) == ChatFamily::Llama2);
    CHECK(from({"<|bos|>", "<|eos|>"}) == ChatFamily::None);
}

TEST_CASE("chat_template is read from tokenizer_config.json") {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / "vkllm_chat_template_test";
    fs::create_directories(dir);
    auto write = [&](const std::string& text) {
        std::ofstream(dir / "tokenizer_config.json") << text;
        return dir / "tokenizer_config.json";
    };
    using vkllm::runtime::read_chat_template;
    CHECK(read_chat_template(write(R"({"chat_template": "<|im_start|>x"})")) == "<|im_start|>x");
    CHECK(read_chat_template(write(R"({"chat_template": [{"name": "tool_use", "template": "A"},
                                                         {"name": "default", "template": "B"}]})")) == "B");
    CHECK(read_chat_template(write(R"({"bos_token": "<s>"})")).empty());
    CHECK_THROWS_AS(read_chat_template(write("{not json")), vkllm::InputError);
    CHECK_THROWS_AS(read_chat_template(write(R"({"chat_template": 3})")), vkllm::InputError);
    CHECK(read_chat_template(dir / "absent.json").empty());
    CHECK(read_chat_template(VKLLM_SOURCE_DIR "/models/default/tokenizer_config.json").empty());
    fs::remove_all(dir);
}

TEST_CASE("Qwen3's shipped tokenizer_config.json is detected as ChatML") {
    std::string jinja = vkllm::runtime::read_chat_template(VKLLM_TEST_DATA_DIR "/tokenizers/qwen3/tokenizer_config.json");
    REQUIRE_FALSE(jinja.empty());
    CHECK(vkllm::runtime::detect_chat_family(jinja) == ChatFamily::ChatML);
}
