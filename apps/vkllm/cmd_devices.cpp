// `vkllm devices`: every Vulkan device and what it can do, as a table or JSON.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_json.h"
#include "device_options.h"
#include "vk/device.h"
#include "vk/driver_quirks.h"

namespace vkllm::cli {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
    return out.empty() ? "none" : out;
}

const char* yes(bool b) { return b ? "yes" : "no"; }

void print_table(const vk::DeviceCaps& c, size_t index, bool selected) {
    std::printf("[%zu] %s%s\n", index, c.name.c_str(), selected ? "   <- selected" : "");
    auto row = [](const char* key, const std::string& value) { std::printf("    %-26s %s\n", key, value.c_str()); };
    row("type", c.type);
    char ids[32];
    std::snprintf(ids, sizeof ids, "0x%04x / 0x%04x", c.vendor_id, c.device_id);
    row("vendor / device id", ids);
    row("Vulkan API", api_version_text(c.api_version));
    row("driver", c.driver_name + (c.driver_info.empty() ? "" : " (" + c.driver_info + ")"));
    row("driver id / version", std::to_string(c.driver_id) + " / " + vk::driver_version_text(c.driver_id, c.driver_version));
    row("driver quirks", join(c.quirks));
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
    row("host memory import", yes(c.external_memory_host));
    std::vector<std::string> shapes;
    for (const auto& s : c.cooperative_matrix_shapes)
        shapes.push_back(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) + " " + s.a_type +
                         "*" + s.b_type + "+" + s.c_type + "->" + s.result_type);
    row("cooperative matrix", c.cooperative_matrix ? join(shapes, "; ") : "no");
    std::vector<std::string> shapes2;
    for (const auto& s : c.cooperative_matrix2.shapes)
        shapes2.push_back("x" + std::to_string(s.m) + "/" + std::to_string(s.n) + "/" + std::to_string(s.k) + " " +
                          s.a_type + "*" + s.b_type + "+" + s.c_type + "->" + s.result_type + " in " +
                          std::to_string(s.invocations));
    if (c.cooperative_matrix2.usable())
        row("workgroup matrices (NV)", join(shapes2, "; "));
    row("GPU timestamps", yes(c.timestamps));
    if (!c.profile.empty()) {
        row("profile", c.profile);
        for (const auto& change : c.profile_changes) row("  lowered", change);
        for (const auto& note : c.profile_notes) row("  not as the profile", note);
    }
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
                         // Quirks are facts of each driver; the profile and limits concern the selected device.
                         for (size_t i = 0; i < devices.size(); ++i) {
                             if (i == selected) vk::apply_device_options(devices[i].caps, chosen);
                             else vk::apply_driver_quirks(devices[i].caps);
                         }
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
