// The Vulkan runtime on the machine's device (lavapipe in CI): instance,
// device, buffers, and the errors a user can meet.
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <numeric>

#include "vk/buffer.h"
#include "vk/commands.h"
#include "vk/device.h"
#include "vk/embedded_shaders.h"
#include "vk/pipeline.h"
#include "vkllm/error.h"
#include "environment.h"

using namespace vkllm;
using namespace vkllm::vk;
namespace env = vkllm::env;

namespace {
std::shared_ptr<Instance> shared_instance() {
    static auto instance = std::make_shared<Instance>(env::instance_options());
    return instance;
}

struct ValidationCheck {
    size_t start = shared_instance()->validation_log().count();
    ~ValidationCheck() {
        for (const auto& m : shared_instance()->validation_log().messages_since(start)) FAIL_CHECK(m);
    }
};
}  // namespace

TEST_CASE("every embedded shader is valid SPIR-V") {
    auto names = embedded_shader_names();
    CHECK(names.size() >= 10);
    for (const auto& name : names) {
        auto words = embedded_shader(name);
        INFO(name);
        REQUIRE(words.size() > 5);
        CHECK(words[0] == 0x07230203u);  // SPIR-V magic
    }
    CHECK(embedded_shader("no_such_shader").empty());
}

TEST_CASE("the probe reports sane capabilities for every device") {
    ValidationCheck check;
    auto devices = list_devices(*shared_instance());
    REQUIRE_FALSE(devices.empty());
    for (const auto& d : devices) {
        INFO(d.caps.name);
        CHECK(d.caps.api_version >= VK_API_VERSION_1_1);
        CHECK(d.caps.max_storage_buffer_range >= (1u << 27) - 1);  // the spec's minimum is 2^27
        CHECK(d.caps.max_shared_memory >= 16384);
        CHECK(d.caps.subgroup_size >= 1);
        CHECK_FALSE(d.caps.heaps.empty());
        CHECK(d.caps.compute_queue_family != UINT32_MAX);
    }
}

TEST_CASE("upload and download round-trip, with and without zero copy") {
    ValidationCheck check;
    for (std::string limits : {"", "no-unified"}) {
        DeviceOptions options{"", limits};
        Device device(shared_instance(), options);
        std::vector<uint32_t> data(100000);
        std::iota(data.begin(), data.end(), 7u);
        Buffer buffer(device, data.size() * 4, BufferKind::Device, "round trip");
        upload(device, buffer, data.data(), data.size() * 4);
        std::vector<uint32_t> back(data.size());
        download(device, buffer, back.data(), back.size() * 4);
        INFO("limits: " << limits);
        CHECK(back == data);
        if (limits == "no-unified") CHECK(buffer.mapped() == nullptr);
    }
}

TEST_CASE("transfers outside a buffer are refused with its name") {
    ValidationCheck check;
    Device device(shared_instance());
    Buffer buffer(device, 64, BufferKind::Device, "small buffer");
    std::vector<uint8_t> data(128);
    CHECK_THROWS_WITH(upload(device, buffer, data.data(), 128), doctest::Contains("small buffer"));
}

TEST_CASE("an allocation past the device's limit names the buffer and the limit") {
    ValidationCheck check;
    Device device(shared_instance());
    uint64_t too_big = device.caps().max_memory_allocation_size + (1ull << 20);
    CHECK_THROWS_WITH_AS(Buffer(device, too_big, BufferKind::Device, "huge tensor"),
                         doctest::Contains("huge tensor"), DeviceError);
}

TEST_CASE("a missing shader variant is a clear error") {
    ValidationCheck check;
    Device device(shared_instance());
    PipelineDesc desc{"matmul_coopmat_missing", 3, 0, {}};
    CHECK_THROWS_WITH_AS(device.pipeline(desc),
                         doctest::Contains("is not in this build"), DeviceError);
}

TEST_CASE("a device selector that matches nothing lists the devices") {
    DeviceOptions options{"no-such-gpu-anywhere", ""};
    CHECK_THROWS_WITH_AS(Device(shared_instance(), options),
                         doctest::Contains("no Vulkan device matches"), InputError);
}

TEST_CASE("the engine reads no environment: a device is what its options say") {
    ValidationCheck check;
    const char* old = std::getenv("VKLLM_DEVICE");
    const std::string saved = old ? old : "";
    ::setenv("VKLLM_DEVICE", "no-such-gpu-anywhere", 1);
    ::setenv("VKLLM_GPU_TIMEOUT", "not-a-number", 1);
    Device device(shared_instance());  // the variables above would refuse it, were they read
    CHECK(device.submit_timeout_seconds() == 600.0);
    ::unsetenv("VKLLM_GPU_TIMEOUT");
    if (old) ::setenv("VKLLM_DEVICE", saved.c_str(), 1);
    else ::unsetenv("VKLLM_DEVICE");
    DeviceOptions bad;
    bad.submit_timeout_s = 0;
    CHECK_THROWS_WITH_AS(Device(shared_instance(), bad), doctest::Contains("positive number of seconds"), InputError);
}

TEST_CASE("a command buffer's descriptor sets live with its recording: re-recording reuses them, none leak") {
    ValidationCheck check;
    Device device(shared_instance(), env::device_options());
    Buffer src(device, 64, BufferKind::Device, "src"), dst(device, 64, BufferKind::Device, "dst");
    const Pipeline& pipeline = device.pipeline({"bandwidth_copy", 2, 4, {64, 4}});
    const uint32_t values = 4;
    auto record = [&](CommandBuffer& c, int dispatches) {
        c.begin();
        for (int i = 0; i < dispatches; ++i) c.dispatch(pipeline, {BufferBinding{src}, BufferBinding{dst}}, values, 1);
        c.end();
        c.submit_and_wait();
    };
    CommandBuffer commands(device);
    record(commands, 2000);
    const size_t pools = commands.descriptor_pool_count();
    CHECK(pools > 1);   // grown past the first pool
    CHECK(pools < 12);  // geometrically, not one per few dispatches
    for (int round = 0; round < 5; ++round) record(commands, 2000);
    CHECK(commands.descriptor_pool_count() == pools);  // each recording reuses the sets of the last
    record(commands, 10);
    CHECK(commands.descriptor_pool_count() == pools);
    // Many short-lived programs (a server's): each frees its pools when dropped.
    for (int i = 0; i < 200; ++i) {
        CommandBuffer program(device);
        record(program, 3);
        CHECK(program.descriptor_pool_count() == 1);
    }
}
