#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/half.h"
#include "config_test_support.h"
#include "model/expected_tensors.h"

using namespace vkllm;

namespace {

ModelConfig tiny_config() {
    ModelConfig c = parse_config_toml_string(vkllm::test::minimal_toml, "tiny.toml");
    c.num_kv_heads = 1;
    return c;
}

// Every expected tensor, filled with a small nonzero pattern.
ModelWeights complete_weights(const ModelConfig& c) {
    ModelWeights w;
    w.source = "weights.safetensors";
    for (const auto& t : expected_tensors(c)) {
        uint64_t n = 1;
        for (uint64_t d : t.shape) n *= d;
        std::vector<float> v(n);
        for (uint64_t i = 0; i < n; ++i) v[i] = 0.01f * float(int(i % 7) - 3) + 0.001f;
        w.add_owned_f32(t.name, t.shape, v, t.name);
    }
    return w;
}

std::string error_of(const ModelConfig& c, const ModelWeights& w) {
    try {
        check_weights(c, w);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("check_weights accepts complete weights and ignores extra tensors") {
    ModelConfig c = tiny_config();
    ModelWeights w = complete_weights(c);
    CHECK_NOTHROW(check_weights(c, w));
    w.add_owned_f32("rotary_emb.inv_freq", {4}, {1, 2, 3, 4}, "rotary_emb.inv_freq");
    CHECK_NOTHROW(check_weights(c, w));
}

TEST_CASE("check_weights names a tensor with the wrong shape and why") {
    ModelConfig c = tiny_config();
    ModelWeights w = complete_weights(c);
    w.add_owned_f32("layers.0.attn.k.weight", {16, 16}, std::vector<float>(256, 0.5f), "k");
    CHECK(error_of(c, w) ==
          "weights.safetensors: tensor 'layers.0.attn.k.weight' has shape [16, 16], expected [8, 16] "
          "(num_kv_heads=1 * head_dim=8, hidden_size=16)");
}

TEST_CASE("check_weights reports missing tensors, depending on the config") {
    ModelConfig c = tiny_config();
    ModelWeights w = complete_weights(c);
    c.attention.qkv_bias = true;
    CHECK(error_of(c, w).find("missing tensor 'layers.0.attn.q.bias' (expected shape [16]") != std::string::npos);
    c = tiny_config();
    c.tie_embeddings = true;
    CHECK_NOTHROW(check_weights(c, w));  // lm_head present but not needed: fine
    ModelWeights tied = complete_weights(c);
    c.tie_embeddings = false;
    CHECK(error_of(c, tied).find("missing tensor 'lm_head.weight'") != std::string::npos);
}

TEST_CASE("check_weights finds NaN and Inf in every float dtype") {
    ModelConfig c = tiny_config();
    const auto expected = expected_tensors(c);
    const std::string target = "layers.0.ffn.up.weight";
    const std::vector<uint64_t> shape{32, 16};
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        ModelWeights w = complete_weights(c);
        std::vector<float> v(512, 0.25f);
        v[77] = bad;
        w.add_owned_f32(target, shape, v, target);
        CHECK(error_of(c, w) == "weights.safetensors: tensor '" + target + "' holds NaN or Inf (at element 77)");

        std::vector<uint8_t> half(1024), brain(1024);
        for (size_t i = 0; i < 512; ++i) {
            uint16_t h = float_to_half(v[i]), b = float_to_bf16(v[i]);
            half[2 * i] = uint8_t(h), half[2 * i + 1] = uint8_t(h >> 8);
            brain[2 * i] = uint8_t(b), brain[2 * i + 1] = uint8_t(b >> 8);
        }
        w.add_owned(target, DType::F16, shape, half, target);
        CHECK(error_of(c, w).find("holds NaN or Inf (at element 77)") != std::string::npos);
        w.add_owned(target, DType::BF16, shape, brain, target);
        CHECK(error_of(c, w).find("holds NaN or Inf (at element 77)") != std::string::npos);
    }
}

TEST_CASE("check_weights rejects a tensor whose data is shorter than its shape") {
    ModelConfig c = tiny_config();
    ModelWeights w = complete_weights(c);
    w.add_owned("output_norm.weight", DType::F32, {16}, std::vector<uint8_t>(40, 0), "output_norm.weight");
    CHECK(error_of(c, w).find("tensor 'output_norm.weight' holds 40 bytes, its shape and dtype need 64") !=
          std::string::npos);
}

TEST_CASE("expected tensors follow the config's options") {
    auto names_of = [](const ModelConfig& c) {
        std::vector<std::string> out;
        for (const auto& t : expected_tensors(c)) out.push_back(t.name);
        return out;
    };
    auto has = [](const std::vector<std::string>& v, const std::string& n) {
        return std::find(v.begin(), v.end(), n) != v.end();
    };
    ModelConfig c = tiny_config();
    auto plain = names_of(c);
    CHECK(has(plain, "layers.0.ffn.gate.weight"));
    CHECK(has(plain, "layers.0.ffn_norm.weight"));
    CHECK_FALSE(has(plain, "pos_embd.weight"));

    c.block = BlockLayout::ParallelResidual;
    CHECK_FALSE(has(names_of(c), "layers.0.ffn_norm.weight"));
    c.parallel_shared_norm = false;
    CHECK(has(names_of(c), "layers.0.ffn_norm.weight"));

    c = tiny_config();
    c.ffn.gated = false;
    c.position = PositionEncoding::Learned;
    c.learned_position_offset = 2;
    c.embedding_norm = true;
    auto learned = expected_tensors(c);
    CHECK_FALSE(has(names_of(c), "layers.0.ffn.gate.weight"));
    CHECK(has(names_of(c), "embd_norm.weight"));
    for (const auto& t : learned)
        if (t.name == "pos_embd.weight") CHECK(t.shape == std::vector<uint64_t>{2048 + 2, 16});

    c = tiny_config();
    c.moe.num_experts = 3;
    c.moe.top_k = 1;
    c.moe.shared_experts = 2;
    c.moe.expert_intermediate_size = 8;
    auto moe = expected_tensors(c);
    for (const auto& t : moe) {
        if (t.name == "layers.0.moe.experts.2.down.weight") CHECK(t.shape == std::vector<uint64_t>{16, 8});
        if (t.name == "layers.0.moe.shared.up.weight") CHECK(t.shape == std::vector<uint64_t>{16, 16});
        CHECK(t.name.find("ffn.") == std::string::npos);
    }
}
