#pragma once
// Every failure the engine reports is a vkllm::Error (or a subclass) whose
// message already says what went wrong and where: file, key, tensor, VkResult.
#include <stdexcept>
#include <string>

namespace vkllm {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Bad user input: configs, weight files, prompts, command-line values.
class InputError : public Error {
public:
    using Error::Error;
};

// The Vulkan device or driver cannot do what was asked (missing feature,
// out of memory, device lost, no loader).
class DeviceError : public Error {
public:
    using Error::Error;
};

}  // namespace vkllm
