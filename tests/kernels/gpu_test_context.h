#pragma once
// One Vulkan device for the whole kernel suite (validation follows
// VKLLM_VALIDATION, limits follow VKLLM_DEVICE_LIMITS), plus helpers to move
// float data and to fail a test on any validation message it caused.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::test {

vk::Device& gpu();

std::unique_ptr<vk::Buffer> make_buffer(const std::vector<float>& values, const std::string& name);
std::unique_ptr<vk::Buffer> make_buffer_bytes(const void* data, size_t bytes, const std::string& name);
std::unique_ptr<vk::Buffer> make_output(size_t floats, const std::string& name);  // filled with NaN
std::vector<float> read_buffer(const vk::Buffer& buffer, size_t floats);

// Uniform in [lo, hi], never all zero.
std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f);

// ||out - ref|| / ||ref|| with the reference in double; NaN in out gives +inf.
double relative_error(const std::vector<float>& out, const std::vector<double>& ref);

// Fails the enclosing test if the validation layer reported anything while it lived.
class ValidationGuard {
public:
    ValidationGuard();
    ~ValidationGuard();

private:
    size_t start_;
};

// Records `record` into a one-off command buffer and runs it.
template <typename Record>
void run_once(Record&& record) {
    vk::CommandBuffer commands(gpu());
    commands.begin();
    record(commands);
    commands.end();
    commands.submit_and_wait();
}

}  // namespace vkllm::test
