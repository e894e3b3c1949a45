// The reference decodes every weight through to_f32, so f16, bf16 and q8_0
// storage must give exactly the logits of f32 weights holding the decoded values.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/half.h"
#include "model/load.h"
#include "reference/reference.h"
#include "vkllm/error.h"

using namespace vkllm;

namespace {

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(uint8_t(v & 0xFF));
    out.push_back(uint8_t(v >> 8));
}

std::vector<uint8_t> encode(DType dtype, const std::vector<float>& values) {
    std::vector<uint8_t> out;
    if (dtype == DType::F16)
        for (float v : values) put_u16(out, float_to_half(v));
    if (dtype == DType::BF16)
        for (float v : values) put_u16(out, float_to_bf16(v));
    if (dtype == DType::Q8_0)
        for (size_t b = 0; b < values.size(); b += 32) {
            float amax = 0.0f;
            for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::abs(values[b + j]));
            const float d = amax / 127.0f;
            const uint16_t d16 = float_to_half(d);
            put_u16(out, d16);
            const float inv = d > 0 ? 1.0f / half_to_float(d16) : 0.0f;
            for (size_t j = 0; j < 32; ++j)
                out.push_back(uint8_t(int8_t(std::clamp(std::lround(values[b + j] * inv), -127L, 127L))));
        }
    return out;
}

}  // namespace

TEST_CASE("reference: f16, bf16 and q8_0 weights decode to the same logits as their f32 values") {
    const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/llama_gqa";
    const ModelConfig config = import_hf_config(dir);
    const ModelWeights original = load_hf_weights(config, dir);
    const std::vector<int32_t> tokens = {5, 17, 200, 3, 99, 1, 42, 250};
    const std::vector<float> f32_logits = reference_forward(config, original, tokens);

    for (DType dtype : {DType::F16, DType::BF16, DType::Q8_0}) {
        CAPTURE(dtype_name(dtype));
        ModelWeights stored, decoded;
        for (const auto& [name, view] : original.tensors()) {
            TensorView t = view;
            stored.add_owned(name, dtype, t.shape, encode(dtype, to_f32(t)), t.name);
            decoded.add_owned_f32(name, t.shape, to_f32(stored.get(name)), t.name);
        }
        const std::vector<float> logits = reference_forward(config, stored, tokens);
        CHECK(logits == reference_forward(config, decoded, tokens));
        // Rounding the weights moves logits of size ~1 by well under 0.1 in these
        // 2-layer models (bf16 has 8 mantissa bits, the coarsest of the three).
        double max_abs = 0.0;
        for (size_t i = 0; i < logits.size(); ++i)
            max_abs = std::max(max_abs, double(std::abs(logits[i] - f32_logits[i])));
        CAPTURE(max_abs);
        CHECK(max_abs > 0.0);
        CHECK(max_abs < 0.1);
    }
}

TEST_CASE("reference: token ids outside the vocabulary are input errors") {
    const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/llama_mqa";
    const ModelConfig config = import_hf_config(dir);
    const ModelWeights weights = load_hf_weights(config, dir);
    CHECK_THROWS_WITH_AS(reference_forward(config, weights, {1, 320}), doctest::Contains("token id 320"), InputError);
    CHECK_THROWS_WITH_AS(reference_forward(config, weights, {-1}), doctest::Contains("token id -1"), InputError);
    CHECK_THROWS_AS(reference_forward(config, weights, {}), InputError);
}

TEST_CASE("reference: the observer sees every stage, ending with the returned logits") {
    const std::string dir = std::string(VKLLM_TEST_DATA_DIR) + "/hf/models/phi_partial_rope";
    const ModelConfig config = import_hf_config(dir);
    const ModelWeights weights = load_hf_weights(config, dir);
    std::vector<std::string> names;
    std::vector<float> last;
    const std::vector<float> logits =
        reference_forward(config, weights, {3, 1, 4, 1, 5}, {}, [&](const std::string& name, const float* data,
                                                                    size_t rows, size_t cols) {
            names.push_back(name);
            CHECK(rows == 5);
            last.assign(data, data + rows * cols);
        });
    CHECK(names == std::vector<std::string>{"embeddings", "layers.0.attn_out", "layers.0.ffn_out", "layers.0.output",
                                            "layers.1.attn_out", "layers.1.ffn_out", "layers.1.output",
                                            "output_norm", "logits"});
    CHECK(last == logits);
}
