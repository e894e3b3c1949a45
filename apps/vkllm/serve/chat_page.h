#pragma once
// GET /: a small chat page, HTML and script in the binary (nothing fetched
// from elsewhere), that streams replies from /v1/chat/completions.
#include <string>

namespace vkllm::serve {

const std::string& chat_page_html();

}  // namespace vkllm::serve
