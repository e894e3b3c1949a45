#include "vk/pipeline.h"

#include <cstring>

#include "vk/check.h"
#include "vk/embedded_shaders.h"
#include "vkllm/error.h"

namespace vkllm::vk {

std::string PipelineDesc::key() const {
    std::string k = shader + "/" + std::to_string(storage_buffers) + "/" + std::to_string(push_constant_bytes) + "/" +
                    std::to_string(required_subgroup_size);
    for (uint32_t c : constants) k += ":" + std::to_string(c);
    return k;
}

uint32_t float_bits(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return bits;
}

Pipeline::Pipeline(VkDevice device, VkPipelineCache cache, const PipelineDesc& desc, bool subgroup_size_control)
    : device_(device), desc_(desc) {
    std::span<const uint32_t> code = embedded_shader(desc.shader);
    if (code.empty())
        throw DeviceError("shader variant '" + desc.shader +
                          "' is not in this build (variants that need a newer shader compiler are skipped "
                          "when it is absent; see README)");

    std::vector<VkDescriptorSetLayoutBinding> bindings(desc.storage_buffers);
    for (uint32_t i = 0; i < desc.storage_buffers; ++i)
        bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    set_info.bindingCount = uint32_t(bindings.size());
    set_info.pBindings = bindings.data();
    VK_CHECK(vkCreateDescriptorSetLayout(device_, &set_info, nullptr, &set_layout_));

    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, desc.push_constant_bytes};
    VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &set_layout_;
    layout_info.pushConstantRangeCount = desc.push_constant_bytes ? 1 : 0;
    layout_info.pPushConstantRanges = &push;
    VK_CHECK(vkCreatePipelineLayout(device_, &layout_info, nullptr, &layout_));

    VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    module_info.codeSize = code.size() * 4;
    module_info.pCode = code.data();
    VkShaderModule module = VK_NULL_HANDLE;
    VK_CHECK(vkCreateShaderModule(device_, &module_info, nullptr, &module));

    std::vector<VkSpecializationMapEntry> entries(desc.constants.size());
    for (uint32_t i = 0; i < entries.size(); ++i) entries[i] = {i, i * 4, 4};
    VkSpecializationInfo spec{uint32_t(entries.size()), entries.data(), desc.constants.size() * 4,
                              desc.constants.data()};

    VkPipelineShaderStageRequiredSubgroupSizeCreateInfo subgroup{
        VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
    subgroup.requiredSubgroupSize = desc.required_subgroup_size;

    VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec;
    if (desc.required_subgroup_size) {
        if (!subgroup_size_control) {
            vkDestroyShaderModule(device_, module, nullptr);
            throw DeviceError("shader '" + desc.shader + "' asks for subgroup size " +
                              std::to_string(desc.required_subgroup_size) +
                              " but the device cannot fix the subgroup size (subgroupSizeControl)");
        }
        info.stage.pNext = &subgroup;
        info.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
    }
    info.layout = layout_;
    VkResult result = vkCreateComputePipelines(device_, cache, 1, &info, nullptr, &pipeline_);
    vkDestroyShaderModule(device_, module, nullptr);
    check(result, ("vkCreateComputePipelines(" + desc.shader + ")").c_str());
}

Pipeline::~Pipeline() {
    if (pipeline_) vkDestroyPipeline(device_, pipeline_, nullptr);
    if (layout_) vkDestroyPipelineLayout(device_, layout_, nullptr);
    if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
}

}  // namespace vkllm::vk
