// Weights used in place (plan/gpu_weights.h): on unified memory with
// VK_EXT_external_memory_host (lavapipe has both), matrices stored as the
// kernels read them stay in the mapped GGUF file. The logits must be the same
// bits as with every weight copied (the kernels read the same bytes), and the
// device memory allocated must shrink by at least the bytes used in place.
// One exception: copied Q8_0 matrices whose rows hold whole groups of eight
// blocks are regrouped (Q8_0X8), whose matrix-vector product sums in another
// order; those logits must agree to f32 rounding (1e-5 relative: a product
// over K = 512 terms rounds ~sqrt(512) * 6e-8 apart).
// Where the device cannot import host memory (a weak-device run without
// unified memory), nothing is used in place and the result is the same.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "forward/forward_context.h"
#include "model/load.h"
#include "plan/forward.h"
#include "plan/gpu_weights.h"
#include "support/gguf_quant_cases.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

// Whether copying regroups some matrix of `w` (plan/gpu_weights.cpp).
bool regroups_when_copied(const ModelWeights& w) {
    for (const auto& [name, view] : w.tensors())
        if (view.shape.size() == 2 && view.dtype == DType::Q8_0 &&
            view.shape.back() % dtype_traits(DType::Q8_0X8).block_values == 0)
            return true;
    return false;
}

}  // namespace

TEST_CASE("weights used in place in the mapped file give the same logits as copied ones, in less device memory") {
    vk::Device& device = forward_device();
    const bool can = device.caps().unified_memory && device.caps().external_memory_host;
    if (!can) MESSAGE("no weights in place on " << device.caps().name << ": checking that none are used");
    for (const GgufQuantCase& c : kGgufQuantCases) {
        CAPTURE(c.name);
        CAPTURE(c.type);
        ValidationCheck check;
        const GgufQuantFixture f = load_gguf_quant_fixture(c);
        const LoadedModel m = load_model(f.model_path);
        std::vector<float> logits[2];
        uint64_t allocated[2] = {0, 0}, in_place[2] = {0, 0};
        for (int place = 0; place < 2; ++place) {
            plan::ForwardOptions o;
            o.kv_type = DType::F32;
            o.max_step_tokens = 16;
            o.weights_in_place = place == 1;
            const uint64_t before = device.memory_in_use().device_local;
            plan::GpuForward forward(device, m.config, m.weights, o);
            allocated[place] = device.memory_in_use().device_local - before;
            in_place[place] = forward.weight_in_place_bytes();
            CHECK(forward.weight_bytes() > 0);
            logits[place] = forward.step(f.input_ids);
            if (place == 1 && can) INFO("problem: " << forward.weight_in_place_problem());
        }
        CHECK(in_place[0] == 0);
        if (can && regroups_when_copied(m.weights))
            CHECK(relative_error(logits[1], logits[0]) <= 1e-5);
        else
            CHECK(logits[1] == logits[0]);
        if (can) {
            CHECK(in_place[1] > 0);
            CHECK(allocated[0] >= allocated[1] + in_place[1]);
        } else {
            CHECK(in_place[1] == 0);
        }
    }
}

TEST_CASE("copied Q8_0 matrices of whole eight-block groups are regrouped as Q8_0X8; in place they stay Q8_0") {
    vk::Device& device = forward_device();
    if (!device.caps().half_conversion) return;  // every matrix goes to the device as f32 there
    const GgufQuantFixture f = load_gguf_quant_fixture({"llama3", "Q8_0"});
    const LoadedModel m = load_model(f.model_path);
    REQUIRE(regroups_when_copied(m.weights));
    const bool can = device.caps().unified_memory && device.caps().external_memory_host;
    for (bool in_place : {false, true}) {
        CAPTURE(in_place);
        ValidationCheck check;
        const plan::GpuWeights gpu(device, m.weights, plan::MatrixStorage::AsStored, {}, in_place);
        const bool regrouped = !(in_place && can && gpu.in_place_bytes() > 0);
        int matrices = 0;
        for (const auto& [name, view] : m.weights.tensors()) {
            if (view.shape.size() != 2 || view.dtype != DType::Q8_0) continue;
            CAPTURE(name);
            const ops::WeightMatrix w = gpu.matrix(name);
            CHECK(w.type == (regrouped ? DType::Q8_0X8 : DType::Q8_0));
            CHECK(uint64_t(w.rows) * ops::weight_row_bytes(w.type, w.cols) == view.bytes);  // the same bytes
            ++matrices;
        }
        CHECK(matrices > 0);
    }
}
