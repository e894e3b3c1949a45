#pragma once
// The Vulkan instance: loader through volk, optional Khronos validation with a
// messenger that records every message (tests fail on any).
#include <volk.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace vkllm::vk {

struct InstanceOptions {
    // Enable VK_LAYER_KHRONOS_validation (the caller decides; the engine reads no environment).
    bool validation = false;
};

// Messages from the validation layer (warnings and errors), collected for tests.
class ValidationLog {
public:
    void add(std::string message);
    size_t count() const { return count_.load(); }
    std::vector<std::string> messages_since(size_t first) const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> messages_;
    std::atomic<size_t> count_{0};
};

class Instance {
public:
    explicit Instance(const InstanceOptions& options);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance handle() const { return instance_; }
    uint32_t api_version() const { return api_version_; }
    bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
    ValidationLog& validation_log() { return log_; }
    std::vector<VkPhysicalDevice> physical_devices() const;

private:
    VkInstance instance_ = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    uint32_t api_version_ = 0;
    ValidationLog log_;
};

}  // namespace vkllm::vk
