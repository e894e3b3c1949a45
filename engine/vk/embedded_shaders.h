#pragma once
// SPIR-V compiled from shaders/ at build time (see cmake/Shaders.cmake).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm {

// Empty span when no variant of that name was built (e.g. a cooperative-matrix
// variant on a build without the newer compiler).
std::span<const uint32_t> embedded_shader(std::string_view name);
std::vector<std::string> embedded_shader_names();

}  // namespace vkllm
