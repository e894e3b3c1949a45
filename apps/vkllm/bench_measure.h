#pragma once
// The one measuring loop of `vkllm bench`, for the flags (-m -p -n -b) and for
// every point of a spec (--spec, bench_spec.h): on a device the caller owns,
// `batch` requests of `prompt` tokens each (after `depth` tokens already in
// their KV cache) are prefilled, each in its own step, then decoded together
// for `generate` steps; warm-up rounds first, then each measured round is kept
// with its GPU timestamps and wall time.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/weight_types.h"
#include "ops/moe.h"
#include "vkllm/engine.h"

namespace vkllm {
struct LoadedModel;
struct ModelConfig;
namespace vk {
class Device;
}
}  // namespace vkllm

namespace vkllm::cli {

struct BenchParams {
    uint32_t prompt = 512, generate = 128, batch = 1;
    uint32_t depth = 0;  // tokens already in each sequence's cache before the prompt (not measured)
    uint32_t warmups = 1, repetitions = 1;
    std::string storage = "auto", kv_type = "auto";
    // GPU timestamps per dispatch family (BenchRound's profiles); they add a
    // wait per phase to what is measured, so they are off unless asked for.
    bool profile = false;
};

// One measured round: the steps that carried a prompt are prefill, the rest decode.
struct BenchRound {
    double prefill_wall_s = 0, prefill_gpu_s = 0, decode_wall_s = 0, decode_gpu_s = 0;
    uint64_t decode_tokens = 0, decode_steps = 0;  // prefill: batch * prompt tokens
    std::vector<StepTiming> prefill_profile, decode_profile;  // GPU time per kernel family, summed over steps
};

struct BenchMeasurement {
    std::vector<BenchRound> rounds;  // the measured ones, in order
    DType kv_type = DType::F32;      // as resolved on the device
    uint64_t kv_bytes_per_token = 0, weight_bytes = 0, decode_weight_bytes = 0;
    double load_s = 0;
    // Bytes a decode step must read: every weight once (of the routed experts
    // only those its tokens pick), plus each sequence's KV cache at the mean context.
    double decode_bytes_per_step = 0;
    // Arithmetic of one round's prefill (every sequence's prompt): 2 FLOPs per
    // active non-embedding parameter and token, plus attention's QK and PV
    // (4 * layers * heads * head_size per token and context position).
    double prefill_flops = 0;
    std::vector<ops::MoeStats> moe_stats;  // routing of the last measured round

    size_t fastest_prefill() const;  // index of the round with the least prefill wall time
    size_t fastest_decode() const;
};

// Throws InputError when depth + prompt + generate exceed the model's context
// (checked by measure_bench too; call it first to refuse before any GPU work).
// `what` names the lengths as the user gave them (empty: "depth D plus prompt P plus G generated tokens").
void require_bench_fits(const ModelConfig& config, const BenchParams& params, const std::string& what = {},
                        const std::string& hint = "lower them");

// `announce` hears one line per phase (upload, each round).
BenchMeasurement measure_bench(vk::Device& device, const LoadedModel& model, const BenchParams& params,
                               const std::function<void(const std::string&)>& announce);

}  // namespace vkllm::cli
