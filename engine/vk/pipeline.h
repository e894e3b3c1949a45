#pragma once
// Compute pipelines built from embedded SPIR-V. Every storage buffer a shader
// uses is a binding 0..n-1 of set 0; per-dispatch scalars go in push constants;
// sizes fixed for the pipeline's life go in specialization constants 0..m-1.
#include <volk.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vkllm::vk {

struct PipelineDesc {
    std::string shader;                  // embedded variant name (see shaders/CMakeLists.txt)
    uint32_t storage_buffers = 0;        // bindings 0..n-1
    uint32_t push_constant_bytes = 0;
    std::vector<uint32_t> constants;     // specialization constants 0..m-1 (floats as bit patterns)
    uint32_t required_subgroup_size = 0; // 0: the driver's choice

    std::string key() const;
};

class Pipeline {
public:
    Pipeline(VkDevice device, VkPipelineCache cache, const PipelineDesc& desc, bool subgroup_size_control);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    VkPipeline handle() const { return pipeline_; }
    VkPipelineLayout layout() const { return layout_; }
    VkDescriptorSetLayout set_layout() const { return set_layout_; }
    const PipelineDesc& desc() const { return desc_; }

private:
    VkDevice device_;
    PipelineDesc desc_;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
};

uint32_t float_bits(float f);

}  // namespace vkllm::vk
