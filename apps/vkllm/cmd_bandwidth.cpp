// `vkllm bandwidth`: the selected device's memory bandwidth by the tuned read
// and copy probes and by vkCmdCopyBuffer (memory_bandwidth.h), the figure
// `vkllm bench` takes its roofline from.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "device_options.h"
#include "memory_bandwidth.h"
#include "vk/device.h"

namespace vkllm::cli {
namespace {

Registration reg{"bandwidth", "Measure the device's memory read and copy bandwidth", [](CLI::App& sub) {
                     auto json = std::make_shared<bool>(false);
                     sub.add_flag("--json", *json, "Print JSON");
                     add_device_options(sub);
                     return std::function<int()>([json] {
                         auto instance = std::make_shared<vk::Instance>(instance_options());
                         vk::Device device(instance, device_options());
                         if (!device.caps().timestamps) {
                             std::fprintf(stderr, "vkllm: %s has no GPU timestamps on its compute queue\n",
                                          device.caps().name.c_str());
                             return 1;
                         }
                         const CopyBandwidth b = measure_copy_bandwidth(device);
                         if (*json) {
                             std::printf("%s\n", nlohmann::json{{"device", device.caps().name},
                                                                {"read_bytes_per_second", b.read},
                                                                {"copy_bytes_per_second", b.compute},
                                                                {"transfer_copy_bytes_per_second", b.transfer},
                                                                {"best_bytes_per_second", b.best()}}
                                                     .dump(2)
                                                     .c_str());
                             return 0;
                         }
                         std::printf("device   %s\n", device.caps().name.c_str());
                         std::printf("read     %8.1f GB/s  (read probe: 16-byte loads, bytes read)\n", b.read / 1e9);
                         std::printf("copy     %8.1f GB/s  (copy probe, bytes read + written)\n", b.compute / 1e9);
                         std::printf("transfer %8.1f GB/s  (vkCmdCopyBuffer, bytes read + written)\n", b.transfer / 1e9);
                         std::printf("best     %8.1f GB/s  (the roofline `vkllm bench` uses)\n", b.best() / 1e9);
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
