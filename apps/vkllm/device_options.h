#pragma once
// The device a command runs on: the environment (apps/environment) with
// --device, --device-profile and --device-limits on top, handed to the engine
// as explicit options.
#include <CLI/CLI.hpp>

#include "vk/device.h"
#include "vk/instance.h"
#include "vkllm/engine.h"

namespace vkllm::cli {

// --device, --device-profile and --device-limits for commands that use the GPU.
void add_device_options(CLI::App& sub);

vk::InstanceOptions instance_options();
// The environment's choices, overridden by the flags given.
vk::DeviceOptions device_options();
// The environment's choices, overridden by `selector` and `limits` where not
// empty (a bench spec's [device]), and those by the flags given.
vk::DeviceOptions device_options(const std::string& selector, const std::string& limits);
// The same choices written into the engine's options.
void set_device_options(EngineOptions& options);

}  // namespace vkllm::cli
