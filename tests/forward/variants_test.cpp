// Architecture variants no Hugging Face fixture covers, on random weights from
// make-model: the GPU forward pass against the CPU reference (float64
// accumulation). f32 weights and KV, so the bound is the f32 one: relative
// error <= 1e-5, max |diff| <= 1e-4.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

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

struct Variant {
    const char* name;
    const char* toml;       // tables added to small_model_toml's model
    bool decode = true;     // token-by-token must match too (not for dynamic NTK, which depends on length)
};

const Variant kVariants[] = {
    {"sinusoidal positions, LayerNorm with bias, plain GELU FFN with bias",
     "[position]\ntype = \"sinusoidal\"\n[norm]\ntype = \"layernorm\"\nbias = true\n"
     "[ffn]\ngated = false\nactivation = \"gelu\"\nbias = true\n"},
    {"GPT-J interleaved RoPE on half the head, logit soft-cap",
     "[position]\ntype = \"rope\"\nstyle = \"gptj\"\npartial_rotary_fraction = 0.5\n[attention]\nlogit_softcap = 5.0\n"},
    {"Llama-3 RoPE scaling", "[position]\ntype = \"rope\"\ntheta = 500000.0\n[position.rope_scaling]\ntype = \"llama3\"\n"
                             "factor = 8.0\noriginal_max_position = 32\n"},
    {"YaRN RoPE scaling", "[position]\ntype = \"rope\"\n[position.rope_scaling]\ntype = \"yarn\"\nfactor = 4.0\n"
                          "original_max_position = 32\n"},
    {"dynamic NTK RoPE past the original context",
     "[position]\ntype = \"rope\"\n[position.rope_scaling]\ntype = \"dynamic_ntk\"\nfactor = 2.0\n"
     "original_max_position = 16\n",
     false},
    {"ALiBi with 6 heads (not a power of two), biases on q/k/v/o",
     "[position]\ntype = \"alibi\"\n[attention]\nqkv_bias = true\nout_bias = true\n"},
    {"Gemma-style: (1 + w) norms, scaled embeddings, GEGLU (tanh), tied head",
     "[norm]\nadd_unit_offset = true\n[embeddings]\nscale = 6.928\ntied = true\n[ffn]\nactivation = \"gelu_tanh\"\n"},
    {"parallel residual with separate norms, ReLU-gated FFN, output bias",
     "[block]\nlayout = \"parallel_residual\"\nshared_norm = false\n[ffn]\nactivation = \"relu\"\n"
     "[output]\nlm_head_bias = true\n"},
    {"per-head q/k RMSNorm, custom attention scale", "[attention]\nqk_norm = true\nscale = 0.3\n"},
};

}  // namespace

TEST_CASE("GPU forward matches the CPU reference on random-weight variants") {
    const auto dir = std::filesystem::temp_directory_path() / "vkllm-variants-test";
    std::filesystem::remove_all(dir);
    std::vector<int32_t> tokens;
    for (int32_t i = 0; i < 40; ++i) tokens.push_back((i * 37 + 11) % 97);
    uint64_t seed = 1;
    for (const Variant& v : kVariants) {
        INFO(std::string(v.name));
        size_t start = forward_device().instance().validation_log().count();
        ModelConfig config = parse_config_toml_string(small_model_toml(v.toml), v.name);
        const auto model_seed = seed++;  // the folder is named after it
        std::string toml = make_model(config, model_seed, DType::F32, (dir / std::to_string(model_seed)).string());
        LoadedModel m = load_model(toml);
        std::vector<float> expected = reference_forward(m.config, m.weights, tokens);

        plan::ForwardOptions o;
        o.storage = plan::MatrixStorage::F32;
        o.kv_type = DType::F32;
        o.max_step_tokens = 64;
        plan::GpuForward prefill(forward_device(), m.config, m.weights, o);
        Errors e = compare(prefill.step(tokens), expected);
        CHECK_MESSAGE(e.relative <= 1e-5, "prefill relative " << e.relative);
        CHECK_MESSAGE(e.max_abs <= 1e-4, "prefill max abs " << e.max_abs);
        if (v.decode) {
            plan::GpuForward decode(forward_device(), m.config, m.weights, o);
            Errors d = compare(decode_rows(decode, tokens), expected);
            CHECK_MESSAGE(d.relative <= 1e-5, "decode relative " << d.relative);
        }
        for (const auto& message : forward_device().instance().validation_log().messages_since(start))
            FAIL_CHECK(message);
    }
    std::filesystem::remove_all(dir);
}
