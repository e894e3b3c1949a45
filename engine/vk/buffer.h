#pragma once
// GPU buffers. Device buffers live in device-local memory; on unified-memory
// devices (integrated GPUs) that memory is also host-visible, so uploads are a
// plain memcpy (zero copy). Elsewhere uploads go through a staging buffer.
#include <volk.h>

#include <cstdint>
#include <memory>
#include <string>

namespace vkllm::vk {

class Device;

enum class BufferKind {
    Device,    // shader storage; host-mapped only where device memory is host-visible
    Upload,    // host-visible staging, written by the CPU
    Readback,  // host-visible, host-cached when possible, read by the CPU
};

class Buffer {
public:
    Buffer(Device& device, uint64_t size, BufferKind kind, std::string name);
    // Host memory used in place (VK_EXT_external_memory_host): `size` bytes at
    // `host`, both multiples of the device's imported-pointer alignment, read
    // by shaders only (upload() refuses it). `keep` holds the memory alive as
    // long as the buffer (a mapped file). Throws DeviceError when the device
    // cannot import it; the caller then uploads instead.
    Buffer(Device& device, const void* host, uint64_t size, std::string name, std::shared_ptr<const void> keep);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    VkBuffer handle() const { return buffer_; }
    uint64_t size() const { return size_; }
    void* mapped() const { return mapped_; }
    bool imported() const { return keep_ != nullptr; }
    const std::string& name() const { return name_; }

private:
    Device& device_;
    std::string name_;
    uint64_t size_ = 0;
    VkBuffer buffer_ = VK_NULL_HANDLE;
    VkDeviceMemory memory_ = VK_NULL_HANDLE;
    uint32_t memory_type_ = 0;
    uint64_t allocated_ = 0;  // bytes of memory_ (the requirement, at least size_)
    void* mapped_ = nullptr;
    std::shared_ptr<const void> keep_;  // imported: what owns the host memory
};

// Copies between host memory and a buffer, waiting for completion.
void upload(Device& device, Buffer& dst, const void* data, uint64_t bytes, uint64_t dst_offset = 0);
void download(Device& device, const Buffer& src, void* data, uint64_t bytes, uint64_t src_offset = 0);

}  // namespace vkllm::vk
