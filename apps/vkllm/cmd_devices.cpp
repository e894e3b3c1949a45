// `vkllm devices`: every Vulkan device and what it can do, as a table or JSON.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_options.h"
#include "vk/device.h"

namespace vkllm::cli {
namespace {

std::string version_text(uint32_t v) {
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
           std::to_string(VK_API_VERSION_PATCH(v));
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
    return out.empty() ? "none" : out;
}

const char* yes(bool b) { return b ? "yes" : "no"; }

nlohmann::json caps_json(const vk::DeviceCaps& c, size_t index, bool selected) {
    nlohmann::json heaps = nlohmann::json::array();
    for (const auto& h : c.heaps)
        heaps.push_back({{"bytes", h.size}, {"device_local", h.device_local},
                         {"host_visible_device_local", h.host_visible_device_local}});
    nlohmann::json shapes = nlohmann::json::array();
    for (const auto& s : c.cooperative_matrix_shapes)
        shapes.push_back({{"m", s.m}, {"n", s.n}, {"k", s.k}, {"a", s.a_type}, {"b", s.b_type}, {"c", s.c_type},
                          {"result", s.result_type}});
    return {{"index", index},
            {"selected", selected},
            {"name", c.name},
            {"type", c.type},
            {"vendor_id", c.vendor_id},
            {"device_id", c.device_id},
            {"api_version", version_text(c.api_version)},
            {"driver", c.driver_name},
            {"driver_info", c.driver_info},
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
            {"cooperative_matrix", c.cooperative_matrix},
            {"cooperative_matrix_shapes", shapes},
            {"timestamps", c.timestamps},
            {"applied_limits", c.applied_limits}};
}

void print_table(const vk::DeviceCaps& c, size_t index, bool selected) {
    std::printf("[%zu] %s%s\n", index, c.name.c_str(), selected ? "   <- selected" : "");
    auto row = [](const char* key, const std::string& value) { std::printf("    %-26s %s\n", key, value.c_str()); };
    row("type", c.type);
    char ids[32];
    std::snprintf(ids, sizeof ids, "0x%04x / 0x%04x", c.vendor_id, c.device_id);
    row("vendor / device id", ids);
    row("Vulkan API", version_text(c.api_version));
    row("driver", c.driver_name + (c.driver_info.empty() ? "" : " (" + c.driver_info + ")"));
    std::string subgroup = std::to_string(c.subgroup_size);
    if (c.subgroup_size_control)
        subgroup += " (settable " + std::to_string(c.subgroup_min_size) + ".." + std::to_string(c.subgroup_max_size) + ")";
    row("subgroup size", subgroup);
    row("subgroup operations", join(c.subgroup_operations));
    row("shared memory", vk::format_bytes(c.max_shared_memory));
    row("max workgroup size", std::to_string(c.max_workgroup_size[0]) + " x " + std::to_string(c.max_workgroup_size[1]) +
                                  " x " + std::to_string(c.max_workgroup_size[2]) + ", " +
                                  std::to_string(c.max_workgroup_invocations) + " invocations");
    row("maxStorageBufferRange", vk::format_bytes(c.max_storage_buffer_range));
    row("maxMemoryAllocationSize", vk::format_bytes(c.max_memory_allocation_size));
    for (size_t h = 0; h < c.heaps.size(); ++h) {
        std::string text = vk::format_bytes(c.heaps[h].size);
        if (c.heaps[h].device_local) text += ", device-local";
        if (c.heaps[h].host_visible_device_local) text += ", host-visible";
        row(("memory heap " + std::to_string(h)).c_str(), text);
    }
    row("unified memory", yes(c.unified_memory));
    row("fp16 arithmetic", yes(c.shader_float16));
    row("int8 arithmetic", yes(c.shader_int8));
    row("16-bit / 8-bit storage", std::string(yes(c.storage_16bit)) + " / " + yes(c.storage_8bit));
    row("integer dot product", std::string(yes(c.integer_dot_product)) +
                                   (c.integer_dot_product_4x8_accelerated ? " (4x8 accelerated)" : ""));
    row("buffer device address", yes(c.buffer_device_address));
    std::vector<std::string> shapes;
    for (const auto& s : c.cooperative_matrix_shapes)
        shapes.push_back(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) + " " + s.a_type +
                         "*" + s.b_type + "+" + s.c_type + "->" + s.result_type);
    row("cooperative matrix", c.cooperative_matrix ? join(shapes, "; ") : "no");
    row("GPU timestamps", yes(c.timestamps));
    if (!c.applied_limits.empty()) row("limited by", join(c.applied_limits));
}

Registration reg{"devices", "List Vulkan devices and their capabilities", [](CLI::App& sub) {
                     auto json = std::make_shared<bool>(false);
                     sub.add_flag("--json", *json, "Print JSON for scripts");
                     add_device_options(sub);
                     return std::function<int()>([json] {
                         auto instance = std::make_shared<vk::Instance>(instance_options());
                         auto devices = vk::list_devices(*instance);
                         const vk::DeviceOptions chosen = device_options();
                         size_t selected = devices.empty() ? 0 : vk::select_device(devices, chosen.selector);
                         if (!chosen.limits.empty() && !devices.empty()) vk::apply_limits(devices[selected].caps, chosen.limits);
                         if (*json) {
                             nlohmann::json out = nlohmann::json::array();
                             for (size_t i = 0; i < devices.size(); ++i)
                                 out.push_back(caps_json(devices[i].caps, i, i == selected));
                             std::printf("%s\n", out.dump(2).c_str());
                             return 0;
                         }
                         if (devices.empty()) vk::select_device(devices, "");  // throws the install hint
                         for (size_t i = 0; i < devices.size(); ++i) {
                             if (i) std::printf("\n");
                             print_table(devices[i].caps, i, i == selected);
                         }
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
