#pragma once
// An HTTP error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
// Request parsing, admission and the routes throw it; the router turns it into
// the response.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace vkllm::serve {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string message, std::string type = "invalid_request_error", std::string param = {},
             std::string code = {})
        : std::runtime_error(message), status_(status), type_(std::move(type)), param_(std::move(param)),
          code_(std::move(code)) {}

    int status() const { return status_; }
    nlohmann::json body() const;

private:
    int status_;
    std::string type_, param_, code_;
};

// 400 for a request field: the message names the field.
ApiError bad_field(const std::string& param, const std::string& message, const std::string& code = "invalid_value");

// The error body for any status (param and code null when empty).
nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param = {},
                          const std::string& code = {});

}  // namespace vkllm::serve
