#pragma once
// A reusable command buffer: record once, submit many times. Dispatches take
// their storage buffers as bindings; barriers are explicit so that a recorded
// program states its own dependencies. Optional GPU timestamps per dispatch.
#include <volk.h>

#include <cstdint>
#include <span>
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace vkllm::vk {

class Buffer;
class Device;
class Pipeline;

struct BufferBinding {
    const Buffer* buffer = nullptr;
    uint64_t offset = 0;
    uint64_t range = VK_WHOLE_SIZE;  // whole size: from offset to the end

    BufferBinding(const Buffer& b) : buffer(&b) {}  // NOLINT: a whole buffer binds implicitly
    BufferBinding(const Buffer& b, uint64_t offset_, uint64_t range_) : buffer(&b), offset(offset_), range(range_) {}
};

struct DispatchTiming {
    std::string label;
    double microseconds = 0;
};

class CommandBuffer {
public:
    // `max_timestamps`: timestamps this buffer may record (0: no timing).
    explicit CommandBuffer(Device& device, uint32_t max_timestamps = 0);
    ~CommandBuffer();
    CommandBuffer(const CommandBuffer&) = delete;
    CommandBuffer& operator=(const CommandBuffer&) = delete;

    void begin();
    void end();

    void dispatch(const Pipeline& pipeline, std::span<const BufferBinding> buffers, const void* push_data,
                  uint32_t push_bytes, uint32_t groups_x, uint32_t groups_y = 1, uint32_t groups_z = 1);
    template <typename Push>
    void dispatch(const Pipeline& pipeline, std::initializer_list<BufferBinding> buffers, const Push& push,
                  uint32_t gx, uint32_t gy = 1, uint32_t gz = 1) {
        dispatch(pipeline, std::span<const BufferBinding>(buffers.begin(), buffers.size()), &push, sizeof(Push), gx,
                 gy, gz);
    }
    // Every earlier shader or transfer write is visible to every later shader or transfer.
    void barrier();
    void copy(const Buffer& src, uint64_t src_offset, const Buffer& dst, uint64_t dst_offset, uint64_t bytes);
    void fill(const Buffer& dst, uint32_t value);
    // Marks the end of the previous dispatches under `label` (needs max_timestamps > 0).
    void timestamp(const std::string& label);

    // Submits and waits; throws DeviceError on device loss or a hung GPU.
    void submit_and_wait();
    // Submits and waits again and again until `duration` has passed (at least
    // once): warms up pipelines, caches and above all the clocks before a
    // timed submission (an idle GPU runs a burst of a few milliseconds at a
    // fraction of its clock speed; an H200 read 345 MHz).
    void submit_repeatedly_for(std::chrono::milliseconds duration);
    // Time between consecutive timestamps of the last submission, in microseconds.
    std::vector<DispatchTiming> timings() const;
    uint32_t dispatch_count() const { return dispatches_; }
    // Descriptor pools this command buffer holds (they grow with the dispatches of one recording).
    size_t descriptor_pool_count() const { return pools_.size(); }

private:
    VkDescriptorSet allocate_set(VkDescriptorSetLayout layout, uint32_t bindings);

    Device& device_;
    VkCommandBuffer buffer_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
    VkQueryPool queries_ = VK_NULL_HANDLE;
    uint32_t max_timestamps_ = 0;
    std::vector<std::string> labels_;
    uint32_t dispatches_ = 0;
    bool recording_ = false;
    // Every dispatch's descriptor set comes from these, so that the sets live
    // and die with the recording that uses them: begin() returns them all,
    // the destructor frees the pools (a dropped program leaks nothing).
    // Pool i holds pool_capacity(i) sets: each twice the last, so a recording
    // of n dispatches holds O(log n) pools.
    static uint32_t pool_capacity(size_t i) { return 64u << std::min<size_t>(i, 10); }
    // Storage-buffer descriptors a pool holds per set it holds: sets are 2 to
    // 9 bindings, so the set count is what usually fills a pool.
    static constexpr uint32_t kDescriptorsPerSet = 8;
    std::vector<VkDescriptorPool> pools_;
    size_t current_pool_ = 0;
    uint32_t sets_in_pool_ = 0, descriptors_in_pool_ = 0;
};

}  // namespace vkllm::vk
