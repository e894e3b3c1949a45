#include "kernels/gpu_test_context.h"
#include "environment.h"

#include <cstring>
#include <limits>

namespace vkllm::test {

vk::Device& gpu() {
    static auto instance = std::make_shared<vk::Instance>(env::instance_options());
    static vk::Device device(instance, env::device_options());
    static bool announced = [] {
        std::string text = "device: " + device.caps().name;
        if (instance->validation_enabled()) text += " (validation on)";
        if (!device.caps().profile.empty()) text += " (profile " + device.caps().profile + ")";
        if (!device.caps().applied_limits.empty()) text += " (limited by VKLLM_DEVICE_LIMITS)";
        MESSAGE(text);
        return true;
    }();
    (void)announced;
    return device;
}

std::unique_ptr<vk::Buffer> make_buffer_bytes(const void* data, size_t bytes, const std::string& name) {
    auto buffer = std::make_unique<vk::Buffer>(gpu(), bytes, vk::BufferKind::Device, name);
    vk::upload(gpu(), *buffer, data, bytes);
    return buffer;
}

std::unique_ptr<vk::Buffer> make_buffer(const std::vector<float>& values, const std::string& name) {
    return make_buffer_bytes(values.data(), values.size() * 4, name);
}

std::unique_ptr<vk::Buffer> make_output(size_t floats, const std::string& name) {
    std::vector<float> poison(floats, std::numeric_limits<float>::quiet_NaN());
    return make_buffer(poison, name);
}

std::vector<float> read_buffer(const vk::Buffer& buffer, size_t floats) {
    std::vector<float> out(floats);
    vk::download(gpu(), buffer, out.data(), floats * 4);
    return out;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    if (n && v[0] == 0.f) v[0] = hi;
    return v;
}

double relative_error(const std::vector<float>& out, const std::vector<double>& ref) {
    REQUIRE(out.size() == ref.size());
    double diff = 0, norm = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (!std::isfinite(out[i])) return std::numeric_limits<double>::infinity();
        diff += (out[i] - ref[i]) * (out[i] - ref[i]);
        norm += ref[i] * ref[i];
    }
    return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

ValidationGuard::ValidationGuard() : start_(gpu().instance().validation_log().count()) {}

ValidationGuard::~ValidationGuard() {
    auto messages = gpu().instance().validation_log().messages_since(start_);
    for (const auto& m : messages) FAIL_CHECK("Vulkan validation: " << m);
}

}  // namespace vkllm::test
