#include "vk/buffer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "vk/check.h"
#include "vk/commands.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::vk {

Buffer::Buffer(Device& device, uint64_t size, BufferKind kind, std::string name)
    : device_(device), name_(std::move(name)), size_((std::max<uint64_t>(size, 4) + 3) / 4 * 4) {
    const DeviceCaps& caps = device.caps();
    if (size_ > caps.max_memory_allocation_size && caps.max_memory_allocation_size)
        throw DeviceError("buffer '" + name_ + "' needs " + format_bytes(size_) +
                          " in one allocation; the device allows " + format_bytes(caps.max_memory_allocation_size));

    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = size_;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(vkCreateBuffer(device.handle(), &info, nullptr, &buffer_));

    VkMemoryRequirements req{};
    vkGetBufferMemoryRequirements(device.handle(), buffer_, &req);
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    switch (kind) {
        case BufferKind::Device:
            if (caps.unified_memory)
                type = device.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | host, 0);
            if (type == UINT32_MAX)
                type = device.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
            if (type == UINT32_MAX) type = device.memory_type(req.memoryTypeBits, 0, 0);
            break;
        case BufferKind::Upload:
            type = device.memory_type(req.memoryTypeBits, host, 0);
            break;
        case BufferKind::Readback:
            type = device.memory_type(req.memoryTypeBits, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
            break;
    }
    if (type == UINT32_MAX) {
        vkDestroyBuffer(device.handle(), buffer_, nullptr);
        throw DeviceError("no memory type fits buffer '" + name_ + "'");
    }

    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = type;
    VkResult result = vkAllocateMemory(device.handle(), &alloc, nullptr, &memory_);
    if (result != VK_SUCCESS) {
        vkDestroyBuffer(device.handle(), buffer_, nullptr);
        buffer_ = VK_NULL_HANDLE;
        if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
            throw DeviceError("out of " + std::string(result == VK_ERROR_OUT_OF_DEVICE_MEMORY ? "GPU" : "host") +
                              " memory allocating " + format_bytes(req.size) + " for '" + name_ + "' on " +
                              caps.name + " (" + format_bytes(caps.device_local_bytes()) +
                              " device-local in all); use a smaller model, a quantized dtype or a smaller KV budget");
        throw_result(result, ("vkAllocateMemory for '" + name_ + "'").c_str());
    }
    VK_CHECK(vkBindBufferMemory(device.handle(), buffer_, memory_, 0));
    memory_type_ = type;
    allocated_ = req.size;
    device.count_allocation(type, allocated_, +1);
    // Device buffers are host-mapped only on unified memory: elsewhere a
    // host-visible device-local window is small and slow to read, so transfers
    // go through staging buffers.
    bool map = kind != BufferKind::Device || caps.unified_memory;
    if (map && (device.memory_flags(type) & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        VK_CHECK(vkMapMemory(device.handle(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped_));
}

Buffer::Buffer(Device& device, const void* host, uint64_t size, std::string name, std::shared_ptr<const void> keep)
    : device_(device), name_(std::move(name)), size_(size) {
    const DeviceCaps& caps = device.caps();
    const uint64_t align = caps.imported_host_pointer_alignment;
    if (!caps.external_memory_host || !align)
        throw DeviceError("buffer '" + name_ + "': " + caps.name + " cannot use host memory in place");
    if (reinterpret_cast<uintptr_t>(host) % align != 0 || size == 0 || size % align != 0)
        throw DeviceError("buffer '" + name_ + "': host memory to use in place must start and end on " +
                          std::to_string(align) + "-byte boundaries");
    if (!keep) throw Error("buffer '" + name_ + "': host memory used in place needs an owner to keep it alive");
    constexpr auto kHandle = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
    external.handleTypes = kHandle;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.pNext = &external;
    info.size = size_;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(vkCreateBuffer(device.handle(), &info, nullptr, &buffer_));
    auto fail = [&](const std::string& why) {
        vkDestroyBuffer(device.handle(), buffer_, nullptr);
        buffer_ = VK_NULL_HANDLE;
        throw DeviceError("buffer '" + name_ + "': cannot use host memory in place: " + why);
    };
    VkMemoryRequirements req{};
    vkGetBufferMemoryRequirements(device.handle(), buffer_, &req);
    VkMemoryHostPointerPropertiesEXT pointer{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
    if (vkGetMemoryHostPointerPropertiesEXT(device.handle(), kHandle, host, &pointer) != VK_SUCCESS)
        fail("the driver does not take this pointer");
    const uint32_t types = req.memoryTypeBits & pointer.memoryTypeBits;
    uint32_t type = device.memory_type(types, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (type == UINT32_MAX) fail("no memory type of the buffer can hold it");
    if (req.size > size_) fail("the buffer needs " + std::to_string(req.size) + " bytes");
    VkImportMemoryHostPointerInfoEXT import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
    import.handleType = kHandle;
    import.pHostPointer = const_cast<void*>(host);  // the device only reads it (storage bindings, readonly)
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.pNext = &import;
    alloc.allocationSize = size_;
    alloc.memoryTypeIndex = type;
    if (vkAllocateMemory(device.handle(), &alloc, nullptr, &memory_) != VK_SUCCESS) {
        memory_ = VK_NULL_HANDLE;
        fail("the import failed");
    }
    VK_CHECK(vkBindBufferMemory(device.handle(), buffer_, memory_, 0));
    memory_type_ = type;
    keep_ = std::move(keep);  // allocated_ stays 0: the memory was there before, it is not counted again
}

Buffer::~Buffer() {
    if (mapped_) vkUnmapMemory(device_.handle(), memory_);
    if (buffer_) vkDestroyBuffer(device_.handle(), buffer_, nullptr);
    if (memory_) {
        vkFreeMemory(device_.handle(), memory_, nullptr);
        if (allocated_) device_.count_allocation(memory_type_, allocated_, -1);
    }
}

namespace {
constexpr uint64_t kStagingChunk = 64ull << 20;

void check_range(const Buffer& buffer, uint64_t offset, uint64_t bytes, const char* what) {
    if (offset > buffer.size() || bytes > buffer.size() - offset)
        throw Error(std::string(what) + " of " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                    " is outside buffer '" + buffer.name() + "' (" + std::to_string(buffer.size()) + " bytes)");
}
}  // namespace

void upload(Device& device, Buffer& dst, const void* data, uint64_t bytes, uint64_t dst_offset) {
    check_range(dst, dst_offset, bytes, "upload");
    if (dst.imported()) throw Error("buffer '" + dst.name() + "' is host memory used in place: nothing uploads into it");
    if (dst.mapped()) {
        std::memcpy(static_cast<uint8_t*>(dst.mapped()) + dst_offset, data, bytes);
        return;
    }
    Buffer staging(device, std::min(bytes, kStagingChunk), BufferKind::Upload, "staging upload");
    CommandBuffer commands(device);
    for (uint64_t done = 0; done < bytes; done += kStagingChunk) {
        uint64_t n = std::min(kStagingChunk, bytes - done);
        std::memcpy(staging.mapped(), static_cast<const uint8_t*>(data) + done, n);
        commands.begin();
        commands.copy(staging, 0, dst, dst_offset + done, n);
        commands.end();
        commands.submit_and_wait();
    }
}

void download(Device& device, const Buffer& src, void* data, uint64_t bytes, uint64_t src_offset) {
    check_range(src, src_offset, bytes, "download");
    if (src.mapped()) {
        std::memcpy(data, static_cast<const uint8_t*>(src.mapped()) + src_offset, bytes);
        return;
    }
    Buffer staging(device, std::min(bytes, kStagingChunk), BufferKind::Readback, "staging readback");
    CommandBuffer commands(device);
    for (uint64_t done = 0; done < bytes; done += kStagingChunk) {
        uint64_t n = std::min(kStagingChunk, bytes - done);
        commands.begin();
        commands.copy(src, src_offset + done, staging, 0, n);
        commands.end();
        commands.submit_and_wait();
        std::memcpy(static_cast<uint8_t*>(data) + done, staging.mapped(), n);
    }
}

}  // namespace vkllm::vk
