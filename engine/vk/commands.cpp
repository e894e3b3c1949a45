#include "vk/commands.h"

#include <algorithm>

#include "vk/buffer.h"
#include "vk/check.h"
#include "vk/device.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"

namespace vkllm::vk {

CommandBuffer::CommandBuffer(Device& device, uint32_t max_timestamps)
    : device_(device), max_timestamps_(device.caps().timestamps ? max_timestamps : 0) {
    VkCommandBufferAllocateInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    info.commandPool = device.command_pool();
    info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    info.commandBufferCount = 1;
    VK_CHECK(vkAllocateCommandBuffers(device.handle(), &info, &buffer_));
    VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK_CHECK(vkCreateFence(device.handle(), &fence_info, nullptr, &fence_));
    if (max_timestamps_) {
        VkQueryPoolCreateInfo query_info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        query_info.queryType = VK_QUERY_TYPE_TIMESTAMP;
        query_info.queryCount = max_timestamps_ + 1;
        VK_CHECK(vkCreateQueryPool(device.handle(), &query_info, nullptr, &queries_));
    }
}

CommandBuffer::~CommandBuffer() {
    for (VkDescriptorPool pool : pools_) vkDestroyDescriptorPool(device_.handle(), pool, nullptr);
    if (queries_) vkDestroyQueryPool(device_.handle(), queries_, nullptr);
    if (fence_) vkDestroyFence(device_.handle(), fence_, nullptr);
    if (buffer_) vkFreeCommandBuffers(device_.handle(), device_.command_pool(), 1, &buffer_);
}

void CommandBuffer::begin() {
    // Every submission was waited for (submit_and_wait), so the previous
    // recording and its descriptor sets are no longer in use.
    VK_CHECK(vkResetCommandBuffer(buffer_, 0));
    for (VkDescriptorPool pool : pools_) VK_CHECK(vkResetDescriptorPool(device_.handle(), pool, 0));
    current_pool_ = 0;
    sets_in_pool_ = descriptors_in_pool_ = 0;
    VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    VK_CHECK(vkBeginCommandBuffer(buffer_, &info));
    labels_.clear();
    dispatches_ = 0;
    recording_ = true;
    if (queries_) {
        vkCmdResetQueryPool(buffer_, queries_, 0, max_timestamps_ + 1);
        vkCmdWriteTimestamp(buffer_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
    }
}

void CommandBuffer::end() {
    // Make device writes visible to the host once the fence signals.
    VkMemoryBarrier to_host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    to_host.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    to_host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(buffer_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &to_host, 0, nullptr, 0, nullptr);
    VK_CHECK(vkEndCommandBuffer(buffer_));
    recording_ = false;
}

void CommandBuffer::dispatch(const Pipeline& pipeline, std::span<const BufferBinding> buffers, const void* push_data,
                             uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
    const PipelineDesc& desc = pipeline.desc();
    if (buffers.size() != desc.storage_buffers)
        throw Error("shader '" + desc.shader + "' takes " + std::to_string(desc.storage_buffers) + " buffers, got " +
                    std::to_string(buffers.size()));
    if (push_bytes != desc.push_constant_bytes)
        throw Error("shader '" + desc.shader + "' takes " + std::to_string(desc.push_constant_bytes) +
                    " bytes of push constants, got " + std::to_string(push_bytes));
    const DeviceCaps& caps = device_.caps();
    if (gx > caps.max_workgroup_count[0] || gy > caps.max_workgroup_count[1] || gz > caps.max_workgroup_count[2])
        throw DeviceError("shader '" + desc.shader + "': dispatch of " + std::to_string(gx) + "x" + std::to_string(gy) +
                          "x" + std::to_string(gz) + " workgroups exceeds the device's limit");

    std::vector<VkDescriptorBufferInfo> infos(buffers.size());
    std::vector<VkWriteDescriptorSet> writes(buffers.size());
    VkDescriptorSet set = allocate_set(pipeline.set_layout(), desc.storage_buffers);
    for (size_t i = 0; i < buffers.size(); ++i) {
        const BufferBinding& b = buffers[i];
        uint64_t range = b.range == VK_WHOLE_SIZE ? b.buffer->size() - b.offset : b.range;
        if (range > caps.max_storage_buffer_range)
            throw DeviceError("shader '" + desc.shader + "' binds " + format_bytes(range) + " of '" + b.buffer->name() +
                              "', over the device's maxStorageBufferRange of " +
                              format_bytes(caps.max_storage_buffer_range) + " (the tensor must be split)");
        infos[i] = {b.buffer->handle(), b.offset, range};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = set;
        writes[i].dstBinding = uint32_t(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(device_.handle(), uint32_t(writes.size()), writes.data(), 0, nullptr);
    vkCmdBindPipeline(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle());
    vkCmdBindDescriptorSets(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0, 1, &set, 0, nullptr);
    if (push_bytes) vkCmdPushConstants(buffer_, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push_data);
    vkCmdDispatch(buffer_, gx, gy, gz);
    ++dispatches_;
}

void CommandBuffer::barrier() {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                      VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(buffer_, stages, stages, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void CommandBuffer::copy(const Buffer& src, uint64_t src_offset, const Buffer& dst, uint64_t dst_offset,
                         uint64_t bytes) {
    VkBufferCopy region{src_offset, dst_offset, bytes};
    vkCmdCopyBuffer(buffer_, src.handle(), dst.handle(), 1, &region);
}

void CommandBuffer::fill(const Buffer& dst, uint32_t value) {
    vkCmdFillBuffer(buffer_, dst.handle(), 0, VK_WHOLE_SIZE, value);
}

void CommandBuffer::timestamp(const std::string& label) {
    if (!queries_) return;
    if (labels_.size() >= max_timestamps_)
        throw Error("more than " + std::to_string(max_timestamps_) + " timestamps recorded");
    labels_.push_back(label);
    vkCmdWriteTimestamp(buffer_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, uint32_t(labels_.size()));
}

VkDescriptorSet CommandBuffer::allocate_set(VkDescriptorSetLayout layout, uint32_t bindings) {
    // Pools are filled to their limits by count (some drivers let a pool
    // exceed them, others fail: counting keeps every device alike).
    if (current_pool_ < pools_.size() &&
        (sets_in_pool_ == pool_capacity(current_pool_) ||
         descriptors_in_pool_ + bindings > kDescriptorsPerSet * pool_capacity(current_pool_))) {
        ++current_pool_;
        sets_in_pool_ = descriptors_in_pool_ = 0;
    }
    if (current_pool_ == pools_.size()) {
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kDescriptorsPerSet * pool_capacity(pools_.size())};
        VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        pool_info.maxSets = pool_capacity(pools_.size());
        pool_info.poolSizeCount = 1;
        pool_info.pPoolSizes = &size;
        VkDescriptorPool pool = VK_NULL_HANDLE;
        VK_CHECK(vkCreateDescriptorPool(device_.handle(), &pool_info, nullptr, &pool));
        pools_.push_back(pool);
        sets_in_pool_ = descriptors_in_pool_ = 0;
    }
    VkDescriptorSetAllocateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    info.descriptorPool = pools_[current_pool_];
    info.descriptorSetCount = 1;
    info.pSetLayouts = &layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(vkAllocateDescriptorSets(device_.handle(), &info, &set), "vkAllocateDescriptorSets");
    ++sets_in_pool_;
    descriptors_in_pool_ += bindings;
    return set;
}

void CommandBuffer::submit_and_wait() {
    if (recording_) throw Error("command buffer submitted while still recording");
    VK_CHECK(vkResetFences(device_.handle(), 1, &fence_));
    VkSubmitInfo info{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    info.commandBufferCount = 1;
    info.pCommandBuffers = &buffer_;
    VK_CHECK(vkQueueSubmit(device_.queue(), 1, &info, fence_));
    uint64_t timeout_ns = uint64_t(device_.submit_timeout_seconds() * 1e9);
    VkResult result = vkWaitForFences(device_.handle(), 1, &fence_, VK_TRUE, timeout_ns);
    if (result == VK_TIMEOUT)
        throw DeviceError("GPU work did not finish within " + std::to_string(int(device_.submit_timeout_seconds())) +
                          " s (raise VKLLM_GPU_TIMEOUT if the device is just slow)");
    check(result, "vkWaitForFences");
}

void CommandBuffer::submit_repeatedly_for(std::chrono::milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    do submit_and_wait();
    while (std::chrono::steady_clock::now() < until);
}

std::vector<DispatchTiming> CommandBuffer::timings() const {
    std::vector<DispatchTiming> out;
    if (!queries_ || labels_.empty()) return out;
    std::vector<uint64_t> ticks(labels_.size() + 1);
    VK_CHECK(vkGetQueryPoolResults(device_.handle(), queries_, 0, uint32_t(ticks.size()), ticks.size() * 8,
                                   ticks.data(), 8, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
    const double period_us = device_.caps().timestamp_period_ns / 1000.0;
    for (size_t i = 0; i < labels_.size(); ++i)
        out.push_back({labels_[i], double(ticks[i + 1] - ticks[i]) * period_us});
    return out;
}

}  // namespace vkllm::vk
