#include "memory_bandwidth.h"

#include <chrono>
#include <utility>
#include <vector>

#include "ops/bandwidth.h"
#include "vk/buffer.h"
#include "vk/commands.h"

namespace vkllm::cli {

CopyBandwidth measure_copy_bandwidth(vk::Device& device) {
    const uint64_t limit = std::min(device.caps().max_memory_allocation_size, device.caps().max_storage_buffer_range);
    const uint64_t bytes = std::min<uint64_t>(1ull << 30, limit / 2) / 256 * 256;
    vk::Buffer a(device, bytes, vk::BufferKind::Device, "bandwidth source");
    vk::Buffer b(device, bytes, vk::BufferKind::Device, "bandwidth destination");
    const uint64_t read_out = uint64_t(ops::bandwidth_probe_outputs(device.caps())) * 16;
    constexpr int kRounds = 5;
    vk::CommandBuffer commands(device, 3 * kRounds + 2);
    commands.begin();
    commands.fill(a, 0x3f800000u);
    commands.barrier();
    commands.timestamp("fill");
    const std::pair<const char*, ops::BandwidthProbe> probes[] = {{"read", ops::BandwidthProbe::Read},
                                                                  {"compute", ops::BandwidthProbe::Copy}};
    for (const auto& [label, probe] : probes)
        for (int i = 0; i < kRounds; ++i) {
            ops::record_bandwidth_probe(device, commands, probe, a, b, bytes);
            commands.barrier();
            commands.timestamp(label);
        }
    for (int i = 0; i < kRounds; ++i) {
        commands.copy(a, 0, b, 0, bytes);
        commands.barrier();
        commands.timestamp("transfer");
    }
    commands.end();
    commands.submit_repeatedly_for(std::chrono::milliseconds(300));  // warm-up: clocks above all
    commands.submit_and_wait();
    auto median_rate = [&](const char* label, double moved) {
        std::vector<double> us;
        for (const auto& t : commands.timings())
            if (t.label == label) us.push_back(t.microseconds);
        std::sort(us.begin(), us.end());
        return moved / (us[us.size() / 2] * 1e-6);
    };
    return {median_rate("read", double(bytes + read_out)), median_rate("compute", 2.0 * double(bytes)),
            median_rate("transfer", 2.0 * double(bytes))};
}

}  // namespace vkllm::cli
