// Gemma 2- and Gemma 3-shaped models on random weights from make-model: the
// GPU forward pass against the CPU reference, in one prefill (and in chunks
// smaller than the window) and token by token. The shapes exercise what those
// architectures add: sandwich norms, a head size unrelated to hidden / heads,
// an attention scale of its own, attention and logit soft-caps (Gemma 2),
// q/k norms with (1 + w) and a local RoPE base beside a linearly scaled global
// one (Gemma 3), and sliding windows on some layers only, shorter than the
// sequence so the mask matters. f32 weights and KV: the f32 bound of the other
// random-weight variants, relative error <= 1e-5, max |diff| <= 1e-4.
#include <doctest/doctest.h>

#include <filesystem>

#include "forward/fixtures.h"
#include "forward/forward_context.h"
#include "model/load.h"
#include "model/make_model.h"
#include "plan/forward.h"
#include "reference/reference.h"
#include "vk/device.h"

using namespace vkllm;
using namespace vkllm::test;

namespace {

struct Shape {
    const char* name;
    const char* toml;
};

const Shape kShapes[] = {
    {"gemma2-shaped", R"(name = "gemma2-shaped"
[model]
vocab_size = 97
hidden_size = 48
num_layers = 4
num_heads = 4
num_kv_heads = 2
head_dim = 16
max_position = 128
[norm]
epsilon = 1e-6
add_unit_offset = true
post_attention = true
post_ffn = true
[attention]
sliding_window = 7
sliding_window_pattern = 2
logit_softcap = 2.0
scale = 0.2
[ffn]
activation = "gelu_tanh"
intermediate_size = 80
[embeddings]
tied = true
scale = 6.928203230275509
[output]
logit_softcap = 3.0
)"},
    {"gemma3-shaped", R"(name = "gemma3-shaped"
[model]
vocab_size = 97
hidden_size = 48
num_layers = 6
num_heads = 4
num_kv_heads = 1
head_dim = 32
max_position = 128
[norm]
epsilon = 1e-6
add_unit_offset = true
post_attention = true
post_ffn = true
[position]
theta = 1000000.0
local_theta = 10000.0
[position.rope_scaling]
type = "linear"
factor = 8.0
[attention]
sliding_window = 9
sliding_window_pattern = 6
qk_norm = true
scale = 0.25
[ffn]
activation = "gelu_tanh"
intermediate_size = 80
[embeddings]
tied = true
scale = 6.928203230275509
)"},
};

void check(const char* what, const Errors& e) {
    CHECK_MESSAGE(e.relative <= 1e-5, what << " relative " << e.relative);
    CHECK_MESSAGE(e.max_abs <= 1e-4, what << " max abs " << e.max_abs);
}

}  // namespace

TEST_CASE("GPU forward matches the CPU reference on Gemma 2/3-shaped random models") {
    const auto dir = std::filesystem::temp_directory_path() / "vkllm-gemma-forward-test";
    std::filesystem::remove_all(dir);
    std::vector<int32_t> tokens;
    for (int32_t i = 0; i < 40; ++i) tokens.push_back((i * 53 + 5) % 97);
    uint64_t seed = 11;
    for (const Shape& shape : kShapes) {
        INFO(shape.name);
        const size_t start = forward_device().instance().validation_log().count();
        const ModelConfig config = parse_config_toml_string(shape.toml, shape.name);
        LoadedModel m = load_model(make_model(config, seed++, DType::F32, (dir / shape.name).string()));
        const std::vector<float> expected = reference_forward(m.config, m.weights, tokens);

        plan::ForwardOptions o;
        o.storage = plan::MatrixStorage::F32;
        o.kv_type = DType::F32;
        o.max_step_tokens = 64;
        plan::GpuForward prefill(forward_device(), m.config, m.weights, o);
        check("prefill", compare(prefill.step(tokens), expected));
        plan::GpuForward decode(forward_device(), m.config, m.weights, o);
        check("decode", compare(decode_rows(decode, tokens), expected));
        o.max_step_tokens = 5;  // chunks shorter than the window: keys come from earlier chunks
        plan::GpuForward chunked(forward_device(), m.config, m.weights, o);
        check("chunked prefill", compare(chunked.step(tokens), expected));
        for (const auto& message : forward_device().instance().validation_log().messages_since(start))
            FAIL_CHECK(message);
    }
    std::filesystem::remove_all(dir);
}
