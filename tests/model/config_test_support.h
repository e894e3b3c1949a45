#pragma once
// Helpers shared by the config test files.
#include <doctest/doctest.h>

#include <string>

#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm::test {

// A minimal valid decoder config; tests append or replace tables to break it.
inline const char* minimal_toml = R"(name = "t"
[model]
vocab_size = 32
hidden_size = 16
num_layers = 1
num_heads = 2
[ffn]
intermediate_size = 32
)";

// The InputError message from parsing `text`, or "" when it parsed.
inline std::string parse_error(const std::string& text) {
    try {
        parse_config_toml_string(text, "test.toml");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

inline void check_error(const std::string& text, const std::string& expected_part) {
    std::string message = parse_error(text);
    INFO("message: ", message);
    CHECK_MESSAGE(message.find(expected_part) != std::string::npos, "expected '", expected_part, "'");
}

}  // namespace vkllm::test
