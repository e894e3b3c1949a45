// Real-device limit profiles on synthetic capability records (no GPU needed):
// they lower, never raise, name what the device lacks, and every figure has
// its source.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "vk/device_profiles.h"
#include "vkllm/error.h"

using namespace vkllm;
using namespace vkllm::vk;

namespace {
constexpr uint64_t GiB = 1ull << 30;

// Everything on and large: each profile must lower it to its own figures.
DeviceCaps strong_caps() {
    DeviceCaps c;
    c.name = "Strong GPU";
    c.shader_float16 = c.shader_int8 = c.storage_16bit = c.storage_8bit = true;
    c.integer_dot_product = c.integer_dot_product_4x8_accelerated = true;
    c.cooperative_matrix = c.unified_memory = c.subgroup_arithmetic = true;
    c.cooperative_matrix_shapes.push_back({16, 16, 16, "f16", "f16", "f32", "f32"});
    c.max_storage_buffer_range = 4 * GiB - 1;
    c.max_memory_allocation_size = 16 * GiB;
    c.max_shared_memory = 96 << 10;
    c.max_workgroup_invocations = 4096;
    c.max_workgroup_size[0] = c.max_workgroup_size[1] = c.max_workgroup_size[2] = 4096;
    c.subgroup_size = 32;
    c.subgroup_min_size = 16;
    c.subgroup_max_size = 64;
    c.subgroup_size_control = true;
    c.heaps = {{24 * GiB, true, true}, {2 * GiB, false, false}};
    return c;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& l : lines)
        if (l.find(text) != std::string::npos) return true;
    return false;
}

// Calls f(label, is_set, source) for every figure of a profile.
template <class F>
void each_figure(const DeviceProfile& p, F f) {
    auto one = [&](const char* label, const auto& figure) { f(label, figure.set(), figure.source); };
    one("subgroup_size", p.subgroup_size);
    one("subgroup_min_size", p.subgroup_min_size);
    one("subgroup_max_size", p.subgroup_max_size);
    one("subgroup_size_control", p.subgroup_size_control);
    one("subgroup_arithmetic", p.subgroup_arithmetic);
    one("max_shared_memory", p.max_shared_memory);
    one("max_storage_buffer_range", p.max_storage_buffer_range);
    one("max_workgroup_invocations", p.max_workgroup_invocations);
    one("max_workgroup_size", p.max_workgroup_size);
    one("shader_float16", p.shader_float16);
    one("shader_int8", p.shader_int8);
    one("storage_16bit", p.storage_16bit);
    one("storage_8bit", p.storage_8bit);
    one("integer_dot_product", p.integer_dot_product);
    one("cooperative_matrix", p.cooperative_matrix);
    one("device_memory", p.device_memory);
    one("unified_memory", p.unified_memory);
}
}  // namespace

TEST_CASE("the five profiles exist, with distinct names and a source for every figure they set") {
    std::set<std::string> names;
    for (const DeviceProfile& p : device_profiles()) {
        names.insert(p.name);
        CHECK(std::string(p.description).size() > 10);
        int set = 0;
        each_figure(p, [&](const char* label, bool is_set, const char* source) {
            if (!is_set) return;
            ++set;
            CHECK_MESSAGE(std::string(source).size() > 10, p.name << " " << label);
        });
        // The brief's figures: subgroups, shared memory, buffer range, workgroups, fp16 / int8, storage, coopmat, memory.
        CHECK_MESSAGE(set >= 15, p.name);
        CHECK(p.subgroup_size.set());
        CHECK(p.max_shared_memory.set());
        CHECK(p.max_storage_buffer_range.set());
        CHECK(p.cooperative_matrix.set());
    }
    CHECK(names == std::set<std::string>{"adreno-740", "mali-g710", "intel-xe", "radeon-780m", "apple-m1"});
}

TEST_CASE("an unknown profile name is an error listing the valid ones") {
    DeviceCaps c = strong_caps();
    CHECK_THROWS_WITH_AS(apply_profile(c, "adreno-750"),
                         doctest::Contains("unknown device profile 'adreno-750' (known: adreno-740, mali-g710, "
                                           "intel-xe, radeon-780m, apple-m1)"),
                         InputError);
    DeviceCaps untouched = strong_caps();
    apply_profile(untouched, "");
    CHECK(untouched.profile.empty());
    CHECK(untouched.max_shared_memory == strong_caps().max_shared_memory);
}

TEST_CASE("adreno-740 lowers a strong device to its figures") {
    DeviceCaps c = strong_caps();
    apply_profile(c, "adreno-740");
    CHECK(c.profile == "adreno-740");
    CHECK(c.max_shared_memory == 32u << 10);
    CHECK(c.max_storage_buffer_range == 128ull << 20);
    CHECK(c.max_workgroup_invocations == 2048);
    CHECK(c.max_workgroup_size[2] == 1024);
    CHECK_FALSE(c.cooperative_matrix);
    CHECK(c.cooperative_matrix_shapes.empty());
    CHECK(c.shader_float16);
    CHECK(c.storage_8bit);
    // The profile's subgroups are 64..128 (runs 128); this device offers 16..64: 64 is what both can do.
    CHECK(c.subgroup_size_control);
    CHECK(c.subgroup_min_size == 64);
    CHECK(c.subgroup_max_size == 64);
    CHECK(c.subgroup_size == 64);
    CHECK(mentions(c.profile_notes, "the profile runs 128"));
    CHECK(mentions(c.profile_changes, "shared memory 96.0 KiB -> 32.0 KiB"));
    CHECK(mentions(c.profile_changes, "cooperative matrix off"));
    // Memory: every device-local heap capped, host heaps left alone, no allocation larger than the cap.
    CHECK(c.heaps[0].size == 4 * GiB);
    CHECK(c.heaps[1].size == 2 * GiB);
    CHECK(c.max_memory_allocation_size == 4 * GiB);
}

TEST_CASE("a profile never raises a figure nor claims a missing feature, and says so") {
    DeviceCaps c = strong_caps();
    c.max_shared_memory = 16 << 10;
    c.max_storage_buffer_range = 1 << 20;
    c.shader_float16 = c.cooperative_matrix = false;
    c.cooperative_matrix_shapes.clear();
    c.heaps[0].size = 2 * GiB;
    apply_profile(c, "radeon-780m");
    CHECK(c.max_shared_memory == 16u << 10);
    CHECK(c.max_storage_buffer_range == 1u << 20);
    CHECK(c.heaps[0].size == 2 * GiB);
    CHECK_FALSE(c.shader_float16);
    CHECK_FALSE(c.cooperative_matrix);
    CHECK(mentions(c.profile_notes, "fp16 arithmetic: the profile has it, this device does not (left off)"));
    CHECK(mentions(c.profile_notes, "cooperative matrix: the profile has it"));
    CHECK(mentions(c.profile_notes, "shared memory: the profile allows 64.0 KiB, this device has 16.0 KiB (kept)"));
}

TEST_CASE("a profile without subgroup size control takes it away; the hardware's size stays") {
    DeviceCaps c = strong_caps();
    apply_profile(c, "mali-g710");
    CHECK_FALSE(c.subgroup_size_control);
    CHECK(c.subgroup_size == 32);
    CHECK(c.subgroup_min_size == 32);
    CHECK(c.subgroup_max_size == 32);
    CHECK_FALSE(c.subgroup_arithmetic);
    CHECK_FALSE(c.storage_16bit);
    CHECK_FALSE(c.integer_dot_product);
    CHECK_FALSE(c.integer_dot_product_4x8_accelerated);
    CHECK(c.max_workgroup_invocations == 512);
    CHECK(mentions(c.profile_changes, "subgroup size control off"));
    CHECK(mentions(c.profile_notes, "the profile runs 16, this device runs 32 and cannot be told otherwise"));
}

TEST_CASE("subgroup sizes that do not meet keep the device's") {
    DeviceCaps c = strong_caps();
    c.subgroup_size = c.subgroup_min_size = c.subgroup_max_size = 8;  // lavapipe on AVX2
    apply_profile(c, "adreno-740");
    CHECK(c.subgroup_size == 8);
    CHECK(c.subgroup_size_control);
    CHECK(mentions(c.profile_notes, "the profile's 64..128 and this device's 8 do not meet"));
}

TEST_CASE("intel-xe narrows the subgroup range and runs its own size where the device can") {
    DeviceCaps c = strong_caps();
    apply_profile(c, "intel-xe");
    CHECK(c.subgroup_min_size == 16);
    CHECK(c.subgroup_max_size == 32);
    CHECK(c.subgroup_size == 32);
    CHECK(c.profile_notes.size() == 0);
    CHECK(c.max_storage_buffer_range == 4 * GiB - 1);
}

TEST_CASE("the README lists every profile") {
    std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/README.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    for (const DeviceProfile& p : device_profiles())
        CHECK_MESSAGE(text.str().find("`" + std::string(p.name) + "`") != std::string::npos, p.name);
}
