#include "api_error.h"

namespace vkllm::serve {

nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param,
                          const std::string& code) {
    auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
    return {{"error", {{"message", message}, {"type", type}, {"param", or_null(param)}, {"code", or_null(code)}}}};
}

nlohmann::json ApiError::body() const { return error_body(what(), type_, param_, code_); }

ApiError bad_field(const std::string& param, const std::string& message, const std::string& code) {
    return ApiError(400, param + ": " + message, "invalid_request_error", param, code);
}

}  // namespace vkllm::serve
