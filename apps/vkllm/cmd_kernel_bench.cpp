// `vkllm kernel-bench`: times the linear-layer kernels on the selected device
// with GPU timestamps and reports them against the memory / compute roofline.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "command.h"
#include "common/half.h"
#include "ops/linear.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::cli {
namespace {

struct Case {
    const char* kernel;  // "matvec", "matmul", "matmul-coopmat"
    ops::StorageType type;
    uint32_t m, n, k;
};

std::unique_ptr<vk::Buffer> random_buffer(vk::Device& device, size_t elements, bool half, const char* name) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    std::vector<uint8_t> bytes(elements * (half ? 2 : 4));
    for (size_t i = 0; i < elements; ++i) {
        float v = dist(rng);
        if (half) reinterpret_cast<uint16_t*>(bytes.data())[i] = float_to_half(v);
        else reinterpret_cast<float*>(bytes.data())[i] = v;
    }
    auto buffer = std::make_unique<vk::Buffer>(device, bytes.size(), vk::BufferKind::Device, name);
    vk::upload(device, *buffer, bytes.data(), bytes.size());
    return buffer;
}

void run_case(vk::Device& device, const Case& c, int repeats) {
    bool half = c.type == ops::StorageType::F16;
    auto weights = random_buffer(device, size_t(c.n) * c.k, half, "weights");
    auto input = random_buffer(device, size_t(c.m) * c.k, false, "input");
    vk::Buffer output(device, size_t(c.m) * c.n * 4, vk::BufferKind::Device, "output");
    ops::WeightMatrix w{weights.get(), 0, c.type, c.n, c.k};
    std::string kernel = c.kernel;
    if (kernel == "matmul-coopmat" && !ops::cooperative_matmul_available(device.caps())) {
        std::printf("%-15s %-4s %6u %6u %6u   (no cooperative-matrix variant on this device/build)\n", c.kernel,
                    half ? "f16" : "f32", c.m, c.n, c.k);
        return;
    }
    vk::CommandBuffer commands(device, uint32_t(repeats));
    commands.begin();
    for (int r = 0; r < repeats; ++r) {
        if (kernel == "matvec") ops::record_matvec(device, commands, *input, w, output, c.m);
        else
            ops::record_matmul(device, commands, *input, w, output, c.m,
                               kernel == "matmul-coopmat" ? ops::MatmulPrecision::F16Activations
                                                          : ops::MatmulPrecision::F32Activations);
        commands.timestamp(kernel);
    }
    commands.end();
    commands.submit_and_wait();  // warm-up: pipelines, clocks, caches
    commands.submit_and_wait();
    std::vector<double> us;
    for (const auto& t : commands.timings()) us.push_back(t.microseconds);
    std::sort(us.begin(), us.end());
    double median = us[us.size() / 2];
    double bytes = double(c.n) * c.k * (half ? 2 : 4) + double(c.m) * (c.k + c.n) * 4;
    double flops = 2.0 * c.m * c.n * c.k;
    std::printf("%-15s %-4s %6u %6u %6u %10.1f us %9.1f GB/s %9.2f TFLOP/s\n", c.kernel, half ? "f16" : "f32", c.m, c.n,
                c.k, median, bytes / median / 1e3, flops / median / 1e6);
}

Registration reg{"kernel-bench", "Time the linear-layer kernels with GPU timestamps", [](CLI::App& sub) {
                     auto repeats = std::make_shared<int>(20);
                     sub.add_option("--repeats", *repeats, "Timed dispatches per case")->check(CLI::Range(3, 1000));
                     add_device_options(sub);
                     return std::function<int()>([repeats] {
                         std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured
                         auto instance = std::make_shared<vk::Instance>(vk::InstanceOptions::from_environment());
                         vk::Device device(instance);
                         if (!device.caps().timestamps) {
                             std::fprintf(stderr, "vkllm: %s has no GPU timestamps on its compute queue\n",
                                          device.caps().name.c_str());
                             return 1;
                         }
                         std::printf("device: %s (%s)\n", device.caps().name.c_str(), device.caps().driver_info.c_str());
                         std::printf("%-15s %-4s %6s %6s %6s %13s %14s %16s\n", "kernel", "w", "M", "N", "K", "median",
                                     "bandwidth", "compute");
                         const Case cases[] = {
                             {"matvec", ops::StorageType::F16, 1, 4096, 4096},
                             {"matvec", ops::StorageType::F16, 1, 14336, 4096},
                             {"matvec", ops::StorageType::F16, 1, 128256, 2048},
                             {"matvec", ops::StorageType::F32, 1, 4096, 4096},
                             {"matmul", ops::StorageType::F32, 512, 4096, 4096},
                             {"matmul", ops::StorageType::F16, 512, 4096, 4096},
                             {"matmul-coopmat", ops::StorageType::F16, 512, 4096, 4096},
                             {"matmul-coopmat", ops::StorageType::F16, 512, 14336, 4096},
                         };
                         for (const Case& c : cases) run_case(device, c, *repeats);
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
