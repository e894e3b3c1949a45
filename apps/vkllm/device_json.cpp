#include "device_json.h"

#include <string>

namespace vkllm::cli {
std::string api_version_text(uint32_t v) {
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
           std::to_string(VK_API_VERSION_PATCH(v));
}

nlohmann::json caps_json(const vk::DeviceCaps& c, size_t index, bool selected) {
    nlohmann::json heaps = nlohmann::json::array();
    for (const auto& h : c.heaps)
        heaps.push_back({{"bytes", h.size}, {"device_local", h.device_local},
                         {"host_visible_device_local", h.host_visible_device_local}});
    nlohmann::json shapes = nlohmann::json::array();
    for (const auto& s : c.cooperative_matrix_shapes)
        shapes.push_back({{"m", s.m}, {"n", s.n}, {"k", s.k}, {"a", s.a_type}, {"b", s.b_type}, {"c", s.c_type},
                          {"result", s.result_type}});
    const vk::CooperativeMatrix2& c2 = c.cooperative_matrix2;
    nlohmann::json shapes2 = nlohmann::json::array();
    for (const auto& s : c2.shapes)
        shapes2.push_back({{"m_granularity", s.m}, {"n_granularity", s.n}, {"k_granularity", s.k},
                           {"invocations", s.invocations}, {"a", s.a_type}, {"b", s.b_type}, {"c", s.c_type},
                           {"result", s.result_type}});
    const nlohmann::json coopmat2 = {{"workgroup_scope", c2.workgroup_scope},
                                     {"flexible_dimensions", c2.flexible_dimensions},
                                     {"tensor_addressing", c2.tensor_addressing},
                                     {"conversions", c2.conversions},
                                     {"max_workgroup_invocations", c2.max_workgroup_invocations},
                                     {"max_dimension", c2.max_dimension},
                                     {"reserved_shared_memory", c2.reserved_shared_memory},
                                     {"workgroup_shapes", shapes2}};
    return {{"index", index},
            {"selected", selected},
            {"name", c.name},
            {"type", c.type},
            {"vendor_id", c.vendor_id},
            {"device_id", c.device_id},
            {"api_version", api_version_text(c.api_version)},
            {"driver", c.driver_name},
            {"driver_info", c.driver_info},
            {"driver_id", c.driver_id},
            {"driver_version", vk::driver_version_text(c.driver_id, c.driver_version)},
            {"driver_quirks", c.quirks},
            {"subgroup_size", c.subgroup_size},
            {"subgroup_size_range", {c.subgroup_min_size, c.subgroup_max_size}},
            {"subgroup_size_control", c.subgroup_size_control},
            {"subgroup_operations", c.subgroup_operations},
            {"shared_memory_bytes", c.max_shared_memory},
            {"max_workgroup_size", {c.max_workgroup_size[0], c.max_workgroup_size[1], c.max_workgroup_size[2]}},
            {"max_workgroup_invocations", c.max_workgroup_invocations},
            {"max_storage_buffer_range", c.max_storage_buffer_range},
            {"max_memory_allocation_size", c.max_memory_allocation_size},
            {"memory_heaps", heaps},
            {"unified_memory", c.unified_memory},
            {"shader_float16", c.shader_float16},
            {"shader_int8", c.shader_int8},
            {"storage_16bit", c.storage_16bit},
            {"storage_8bit", c.storage_8bit},
            {"integer_dot_product", c.integer_dot_product},
            {"integer_dot_product_4x8_accelerated", c.integer_dot_product_4x8_accelerated},
            {"buffer_device_address", c.buffer_device_address},
            {"external_memory_host", c.external_memory_host},
            {"cooperative_matrix", c.cooperative_matrix},
            {"cooperative_matrix_shapes", shapes},
            {"cooperative_matrix2", coopmat2},
            {"timestamps", c.timestamps},
            {"profile", c.profile},
            {"profile_changes", c.profile_changes},
            {"profile_notes", c.profile_notes},
            {"applied_limits", c.applied_limits}};
}

}  // namespace vkllm::cli
