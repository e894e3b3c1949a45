#pragma once
// A logical Vulkan device chosen from the instance's physical devices, with
// its compute queue, command pool, pipeline cache and descriptor pools.
#include <volk.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vk/device_caps.h"
#include "vk/instance.h"

namespace vkllm::vk {

class Pipeline;
struct PipelineDesc;

// Every choice is explicit: the engine reads no environment variables (the
// CLI and the tests turn theirs into these fields).
struct DeviceOptions {
    // Index into the device list or a case-insensitive substring of the name.
    // Empty: the best device (discrete > integrated > virtual > cpu).
    std::string selector;
    // Weaker-device override (see apply_limits). Empty: none.
    std::string limits;
    // A real-device limit profile (device_profiles.h), e.g. "adreno-740",
    // applied before `limits`. Empty: none.
    std::string profile;
    // Seconds a submission may take before it is reported as hung (at least 1).
    double submit_timeout_s = 600.0;
    // Folder for the driver's pipeline cache between runs. Empty: none kept.
    std::string pipeline_cache_dir;
};

struct PhysicalDeviceEntry {
    VkPhysicalDevice handle = VK_NULL_HANDLE;
    DeviceCaps caps;
};

std::vector<PhysicalDeviceEntry> list_devices(const Instance& instance);
// What a Device does to the probed capabilities, in this order: the driver
// quirks (driver_quirks.h), the profile, the limit list. Each only lowers.
void apply_device_options(DeviceCaps& caps, const DeviceOptions& options);
// Index into `devices` of the one `selector` names (see DeviceOptions).
size_t select_device(const std::vector<PhysicalDeviceEntry>& devices, const std::string& selector);

class Device {
public:
    Device(std::shared_ptr<Instance> instance, const DeviceOptions& options = {});
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    VkDevice handle() const { return device_; }
    VkPhysicalDevice physical() const { return physical_; }
    VkQueue queue() const { return queue_; }
    VkCommandPool command_pool() const { return command_pool_; }
    const DeviceCaps& caps() const { return caps_; }
    Instance& instance() { return *instance_; }

    // Memory type index with all `required` flags (and `preferred` if one has them).
    uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const;
    VkMemoryPropertyFlags memory_flags(uint32_t type_index) const;

    // Bytes of the buffers alive now, by where their memory lives (device-local
    // heaps, including the host-visible device-local memory of unified
    // devices; other host-visible memory: staging and readback).
    struct MemoryInUse {
        uint64_t device_local = 0, host = 0;
    };
    MemoryInUse memory_in_use() const { return {device_local_bytes_.load(), host_bytes_.load()}; }
    // Buffer's bookkeeping of its allocation (sign: +1 allocated, -1 freed).
    void count_allocation(uint32_t type_index, uint64_t bytes, int sign);

    // Compiled once per (shader, specialization constants) and kept.
    const Pipeline& pipeline(const PipelineDesc& desc);

    // Seconds a submission may take before it is reported as hung (DeviceOptions::submit_timeout_s).
    double submit_timeout_seconds() const { return submit_timeout_s_; }

private:
    void create_device();

    std::shared_ptr<Instance> instance_;
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    DeviceCaps caps_;
    VkPhysicalDeviceMemoryProperties memory_{};
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    VkCommandPool command_pool_ = VK_NULL_HANDLE;
    VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
    std::unordered_map<std::string, std::unique_ptr<Pipeline>> pipelines_;
    std::mutex mutex_;
    double submit_timeout_s_ = 600.0;
    std::string pipeline_cache_dir_;
    std::atomic<uint64_t> device_local_bytes_{0}, host_bytes_{0};
};

}  // namespace vkllm::vk
