#pragma once
// What a launched program (the CLI, the test suites) reads from its
// environment, in one place: the engine itself reads none and takes every
// choice as an explicit option.
//   VKLLM_VALIDATION      non-empty and not "0": the Khronos validation layer
//   VKLLM_DEVICE          device index or part of its name
//   VKLLM_DEVICE_PROFILE  cap the device to a real GPU family's limits (see README)
//   VKLLM_DEVICE_LIMITS   make the device look weaker (see README)
//   VKLLM_GPU_TIMEOUT     seconds a submission may run before it counts as hung
//   VKLLM_CACHE_DIR       pipeline-cache folder (else $XDG_CACHE_HOME/vkllm, else ~/.cache/vkllm)
//   VKLLM_DEFAULT_MODEL   the model `run` and `chat` use without -m
#include <string>

#include "vk/device.h"
#include "vk/instance.h"

namespace vkllm::env {

vk::InstanceOptions instance_options();
// Throws InputError for a VKLLM_GPU_TIMEOUT that is not a positive number.
vk::DeviceOptions device_options();
// VKLLM_DEFAULT_MODEL, else `fallback`.
std::string default_model(const std::string& fallback);
// "; VK_DRIVER_FILES is set to '...'" when it is set (it can hide every driver), else empty.
std::string driver_files_note();

}  // namespace vkllm::env
