#include "device_options.h"

#include <string>

#include "environment.h"
#include "vk/device_profiles.h"

namespace vkllm::cli {

namespace {
// What --device / --device-limits said (one command runs per process).
struct DeviceFlags {
    std::string selector, profile, limits;
};
DeviceFlags& flags() {
    static DeviceFlags f;
    return f;
}
}  // namespace

void add_device_options(CLI::App& sub) {
    sub.add_option("--device", flags().selector, "Vulkan device: index or part of its name (default: VKLLM_DEVICE, else the best)");
    sub.add_option("--device-profile", flags().profile,
                   "Cap the device to a real GPU family's limits: " + vk::device_profile_names() +
                       " (default: VKLLM_DEVICE_PROFILE; see README)");
    sub.add_option("--device-limits", flags().limits, "Make the device look weaker, e.g. no-fp16,max-buffer-range=64M (see README)");
}

vk::InstanceOptions instance_options() { return env::instance_options(); }

vk::DeviceOptions device_options() { return device_options({}, {}); }

vk::DeviceOptions device_options(const std::string& selector, const std::string& limits) {
    vk::DeviceOptions options = env::device_options();
    if (!selector.empty()) options.selector = selector;
    if (!limits.empty()) options.limits = limits;
    if (!flags().selector.empty()) options.selector = flags().selector;
    if (!flags().profile.empty()) options.profile = flags().profile;
    if (!flags().limits.empty()) options.limits = flags().limits;
    return options;
}

void set_device_options(EngineOptions& options) {
    const vk::DeviceOptions d = device_options();
    options.device = d.selector;
    options.device_profile = d.profile;
    options.device_limits = d.limits;
    options.gpu_timeout_s = d.submit_timeout_s;
    options.pipeline_cache_dir = d.pipeline_cache_dir;
    options.validation = instance_options().validation;
}

}  // namespace vkllm::cli
