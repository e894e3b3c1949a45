#include "environment.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common/parse_number.h"
#include "vkllm/error.h"

namespace vkllm::env {

namespace {
std::string get(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string pipeline_cache_dir() {
    if (std::string d = get("VKLLM_CACHE_DIR"); !d.empty()) return d;
    if (std::string x = get("XDG_CACHE_HOME"); !x.empty()) return (std::filesystem::path(x) / "vkllm").string();
    if (std::string h = get("HOME"); !h.empty()) return (std::filesystem::path(h) / ".cache" / "vkllm").string();
    return {};
}
}  // namespace

vk::InstanceOptions instance_options() {
    vk::InstanceOptions options;
    const std::string v = get("VKLLM_VALIDATION");
    options.validation = !v.empty() && v != "0";
    return options;
}

vk::DeviceOptions device_options() {
    vk::DeviceOptions options;
    options.selector = get("VKLLM_DEVICE");
    options.profile = get("VKLLM_DEVICE_PROFILE");
    options.limits = get("VKLLM_DEVICE_LIMITS");
    options.pipeline_cache_dir = pipeline_cache_dir();
    if (const char* t = std::getenv("VKLLM_GPU_TIMEOUT")) {
        const std::optional<double> seconds = parse_finite(t);
        if (!seconds || *seconds <= 0)
            throw InputError(std::string("VKLLM_GPU_TIMEOUT: '") + t + "' is not a positive number of seconds");
        options.submit_timeout_s = std::max(1.0, *seconds);
    }
    return options;
}

std::string default_model(const std::string& fallback) {
    std::string m = get("VKLLM_DEFAULT_MODEL");
    return m.empty() ? fallback : m;
}

std::string driver_files_note() {
    std::string files = get("VK_DRIVER_FILES");
    return files.empty() ? std::string() : "; VK_DRIVER_FILES is set to '" + files + "'";
}

}  // namespace vkllm::env
