// `vkllm kernel-bench`: times the linear-layer kernels on the selected device
// with GPU timestamps and reports them against the memory / compute roofline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "command.h"
#include "device_options.h"
#include "common/half.h"
#include "ops/linear.h"
#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"

namespace vkllm::cli {
namespace {

struct Case {
    const char* kernel;  // "matvec", "matmul", "matmul-coopmat"
    DType type;
    uint32_t m, n, k;
};

// `rows` x `cols` values of `type`: random floats, or random block bytes with
// f16 scales of 1/64 (every code pattern of these formats is valid); in
// `copies` buffers of the same bytes.
std::vector<std::unique_ptr<vk::Buffer>> random_buffers(vk::Device& device, DType type, size_t rows, size_t cols,
                                                        const char* name, size_t copies = 1) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    const DTypeTraits& t = dtype_traits(type);
    std::vector<uint8_t> bytes(rows * ops::weight_row_bytes(type, cols));
    if (t.block_values > 1) {
        for (auto& b : bytes) b = uint8_t(rng());
        const uint16_t scale = float_to_half(1.f / 64);
        for (size_t b = 0; b < bytes.size(); b += t.block_bytes)
            for (int s = 0; s < t.scale_count; ++s) std::memcpy(&bytes[b + t.scale_offsets[s]], &scale, 2);
    } else {
        for (size_t i = 0; i < rows * cols; ++i) {
            float v = dist(rng);
            if (type == DType::F16) reinterpret_cast<uint16_t*>(bytes.data())[i] = float_to_half(v);
            else reinterpret_cast<float*>(bytes.data())[i] = v;
        }
    }
    std::vector<std::unique_ptr<vk::Buffer>> buffers;
    for (size_t i = 0; i < copies; ++i) {
        buffers.push_back(std::make_unique<vk::Buffer>(device, bytes.size(), vk::BufferKind::Device, name));
        vk::upload(device, *buffers.back(), bytes.data(), bytes.size());
    }
    return buffers;
}

// Weight copies a case cycles through so that together they outgrow the
// device's last-level cache (a single small matrix would be timed from L2).
constexpr uint64_t kRotationBytes = 512ull << 20;

struct Knobs {
    uint32_t matvec_rows = 0;  // 0: the kernel's default
    std::string coopmat_tile;  // empty: the kernel's choice for each shape
    uint32_t splits = 0;       // matmul cases: K split over this many workgroups (0: none)
};

void run_case(vk::Device& device, const Case& c, int repeats, Knobs knobs) {
    const char* type = dtype_traits(c.type).name;
    const uint64_t weight_bytes = uint64_t(c.n) * ops::weight_row_bytes(c.type, c.k);
    const size_t copies = size_t(std::clamp<uint64_t>(kRotationBytes / weight_bytes, 1, 64));
    const auto weights = random_buffers(device, c.type, c.n, c.k, "weights", copies);
    const auto input = std::move(random_buffers(device, DType::F32, c.m, c.k, "input").front());
    vk::Buffer output(device, size_t(c.m) * c.n * 4, vk::BufferKind::Device, "output");
    std::string kernel = c.kernel;
    if (kernel == "matmul-coopmat" && !ops::cooperative_matmul_available(device.caps(), c.type)) {
        std::printf("%-15s %-6s %6u %6u %6u   (no cooperative-matrix variant on this device/build)\n", c.kernel,
                    type, c.m, c.n, c.k);
        return;
    }
    // Split K: the partial sums of every split, added up by the closing pass.
    std::unique_ptr<vk::Buffer> partials;
    ops::MatmulSplit split;
    if (knobs.splits > 0 && kernel != "matvec") {
        partials = std::make_unique<vk::Buffer>(device, size_t(knobs.splits) * c.m * c.n * 4, vk::BufferKind::Device,
                                                "split partials");
        split.partials = partials.get();
        split.bytes = partials->size();
        split.splits = knobs.splits;
    }
    vk::CommandBuffer commands(device, uint32_t(repeats));
    commands.begin();
    for (int r = 0; r < repeats; ++r) {
        ops::WeightMatrix w{weights[size_t(r) % copies].get(), 0, c.type, c.n, c.k};
        if (kernel == "matvec") ops::record_matvec(device, commands, *input, w, output, c.m, false, nullptr, knobs.matvec_rows);
        else
            ops::record_matmul(device, commands, *input, w, output, c.m,
                               kernel == "matmul-coopmat" ? ops::MatmulPrecision::F16Activations
                                                          : ops::MatmulPrecision::F32Activations,
                               kernel == "matmul-coopmat" && !knobs.coopmat_tile.empty()
                                   ? ops::parse_matmul_tile(knobs.coopmat_tile)
                                   : ops::MatmulTile{},
                               partials ? &split : nullptr);
        commands.timestamp(kernel);
    }
    commands.end();
    commands.submit_repeatedly_for(std::chrono::milliseconds(400));  // warm-up: clocks above all
    commands.submit_and_wait();
    std::vector<double> us;
    for (const auto& t : commands.timings()) us.push_back(t.microseconds);
    std::sort(us.begin(), us.end());
    double median = us[us.size() / 2];
    double bytes = double(weight_bytes) + double(c.m) * (c.k + c.n) * 4;
    double flops = 2.0 * c.m * c.n * c.k;
    std::printf("%-15s %-6s %6u %6u %6u %10.1f us %9.1f GB/s %9.2f TFLOP/s\n", c.kernel, type, c.m, c.n, c.k, median, bytes / median / 1e3, flops / median / 1e6);
}

Registration reg{"kernel-bench", "Time the linear-layer kernels with GPU timestamps", [](CLI::App& sub) {
                     auto repeats = std::make_shared<int>(20);
                     auto knobs = std::make_shared<Knobs>();
                     auto only = std::make_shared<std::string>();
                     sub.add_option("--repeats", *repeats, "Timed dispatches per case")->check(CLI::Range(3, 1000));
                     sub.add_option("--matvec-rows", knobs->matvec_rows,
                                    "Weight rows sharing each x load in matrix-vector cases (0: the type's default)")
                         ->check(CLI::Range(0, 8));
                     sub.add_option("--coopmat-tile", knobs->coopmat_tile,
                                    "Cooperative-matrix workgroup tile, ROWSxCOLS/SUBGROUPS_MxSUBGROUPS_N, or "
                                    "ROWSxCOLSxK/wg for NVIDIA's workgroup-scope matrices (default: chosen per shape)")
                         ->check([](const std::string& text) {
                             try {
                                 ops::parse_matmul_tile(text);
                                 return std::string();
                             } catch (const std::exception& e) {
                                 return std::string(e.what());
                             }
                         });
                     sub.add_option("--splits", knobs->splits,
                                    "Matmul cases: split K over this many workgroups, then add the splits up (0: no split)")
                         ->check(CLI::Range(0, 64));
                     sub.add_option("--only", *only, "Run only the cases whose kernel or type contains this text");
                     add_device_options(sub);
                     return std::function<int()>([repeats, knobs, only] {
                         std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured
                         auto instance = std::make_shared<vk::Instance>(instance_options());
                         vk::Device device(instance, device_options());
                         if (!device.caps().timestamps) {
                             std::fprintf(stderr, "vkllm: %s has no GPU timestamps on its compute queue\n",
                                          device.caps().name.c_str());
                             return 1;
                         }
                         std::printf("device: %s (%s)\n", device.caps().name.c_str(), device.caps().driver_info.c_str());
                         std::printf("%-15s %-6s %6s %6s %6s %13s %14s %16s\n", "kernel", "w", "M", "N", "K", "median",
                                     "bandwidth", "compute");
                         const Case cases[] = {
                             {"matvec", DType::F16, 1, 4096, 4096},
                             {"matvec", DType::F16, 1, 14336, 4096},
                             {"matvec", DType::F16, 1, 128256, 2048},
                             {"matvec", DType::F32, 1, 4096, 4096},
                             {"matmul", DType::F32, 512, 4096, 4096},
                             {"matmul", DType::F16, 512, 4096, 4096},
                             {"matmul-coopmat", DType::F16, 512, 4096, 4096},
                             {"matmul-coopmat", DType::F16, 512, 14336, 4096},
                             // Llama-3.2-1B prefill products: Q and O, gate or up, down.
                             {"matmul-coopmat", DType::F16, 512, 2048, 2048},
                             {"matmul-coopmat", DType::F16, 512, 8192, 2048},
                             {"matmul-coopmat", DType::F16, 512, 2048, 8192},
                             // Block formats of Llama-3-8B-shaped Q4_K_M / Q4_0 / Q8_0 decode and prefill.
                             {"matvec", DType::Q4_K, 1, 4096, 4096},
                             {"matvec", DType::Q4_K, 1, 14336, 4096},
                             {"matvec", DType::Q6_K, 1, 4096, 14336},
                             {"matvec", DType::Q6_K, 1, 128256, 4096},
                             {"matvec", DType::Q4_0, 1, 14336, 4096},
                             {"matvec", DType::Q8_0, 1, 14336, 4096},
                             {"matvec", DType::Q8_0X8, 1, 14336, 4096},
                             {"matvec", DType::Q8_0X8, 1, 4096, 14336},
                             {"matvec", DType::Q5_K, 1, 14336, 4096},
                             {"matvec", DType::Q4_K, 8, 14336, 4096},
                             {"matmul", DType::Q4_K, 512, 4096, 4096},
                             {"matmul-coopmat", DType::Q4_K, 512, 4096, 4096},
                             {"matmul-coopmat", DType::Q6_K, 512, 4096, 4096},
                             {"matmul-coopmat", DType::Q8_0, 512, 4096, 4096},
                             {"matmul-coopmat", DType::Q8_0X8, 512, 4096, 4096},
                             {"matmul-coopmat", DType::F16, 4096, 4096, 4096},
                         };
                         for (const Case& c : cases) {
                             const std::string label = std::string(c.kernel) + " " + dtype_traits(c.type).name;
                             if (only->empty() || label.find(*only) != std::string::npos)
                                 run_case(device, c, *repeats, *knobs);
                         }
                         return 0;
                     });
                 }};

}  // namespace
}  // namespace vkllm::cli
