#pragma once
// Parsing a JSON file (tokenizer.json, config.json, index.json, ...) into
// nlohmann::json with one message convention: a syntax error names the file,
// the line and the column.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/input_file.h"
#include "vkllm/error.h"

namespace vkllm {

// "line L, column C" of the 1-based byte offset `byte` (as nlohmann reports it).
inline std::string text_position(std::string_view text, size_t byte) {
    const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < end; ++i)
        if (text[i] == '\n') ++line, line_start = i + 1;
    return "line " + std::to_string(line) + ", column " + std::to_string(end - line_start + 1);
}

inline nlohmann::json parse_json_document(std::string_view text, const std::string& source) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // what() is "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>".
        std::string reason = e.what();
        if (size_t at = reason.find("column "); at != std::string::npos)
            if (size_t colon = reason.find(": ", at); colon != std::string::npos) reason = reason.substr(colon + 2);
        throw InputError(source + ": JSON syntax error at " + text_position(text, e.byte) + ": " + reason);
    }
}

// A whole JSON file, capped at input_caps::json_bytes.
inline nlohmann::json read_json_file(const std::string& path, const std::string& what) {
    return parse_json_document(read_regular_file(path, what, input_caps::json_bytes), path);
}

}  // namespace vkllm
