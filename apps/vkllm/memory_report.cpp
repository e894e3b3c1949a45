#include "memory_report.h"

#include <cstdio>

namespace vkllm::cli {

namespace {
double mib(uint64_t bytes) { return double(bytes) / 1048576.0; }
}  // namespace

void print_memory(const MemoryUse& m) {
    if (m.device_local_bytes + m.host_visible_bytes > 0)
        std::fprintf(stderr,
                     "vkllm: memory at load: GPU %.1f MiB device-local (weights %.1f MiB, %.1f MiB of them in place in "
                     "the model file; KV cache %.1f MiB), %.1f MiB host-visible; host peak resident %.1f MiB\n",
                     mib(m.device_local_bytes), mib(m.weight_bytes), mib(m.weight_in_place_bytes), mib(m.kv_bytes),
                     mib(m.host_visible_bytes), mib(m.host_peak_resident_bytes));
    else
        std::fprintf(stderr, "vkllm: memory at load: host peak resident %.1f MiB\n", mib(m.host_peak_resident_bytes));
}

nlohmann::json memory_json(const MemoryUse& m) {
    return {{"weight_bytes", m.weight_bytes},
            {"weight_in_place_bytes", m.weight_in_place_bytes},
            {"kv_bytes", m.kv_bytes},
            {"device_local_bytes", m.device_local_bytes},
            {"host_visible_bytes", m.host_visible_bytes},
            {"host_peak_resident_bytes", m.host_peak_resident_bytes}};
}

}  // namespace vkllm::cli
