// The CPU reference's Gemma 2/3 parts on models small enough to follow by hand:
// one or two tokens, hidden size 2, identity projections, so every value below
// is a closed-form expression (written out here, not taken from the reference).
// The rules checked come from transformers' modeling_gemma2.py: the post-
// attention norm acts on the attention output before the residual add, the
// post-feed-forward norm on the FFN output before its add, attention scores are
// capped as cap * tanh(score / cap) after scaling and before the mask and
// softmax, and the logits as cap * tanh(logits / cap) after the LM head.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "model/load.h"
#include "reference/reference.h"

using namespace vkllm;

namespace {

// Vocabulary 2, hidden 2, one layer, one head of size 2, no positions; every
// projection the identity (FFN width 2, down = 0 so the FFN adds nothing
// unless a test says otherwise); RMSNorm gains of 1 unless overridden.
struct Tiny {
    ModelConfig config;
    ModelWeights weights;

    explicit Tiny(const std::string& extra) {
        config = parse_config_toml_string(
            "name = \"tiny\"\n[model]\nvocab_size = 2\nhidden_size = 2\nnum_layers = 1\nnum_heads = 1\n"
            "[ffn]\nintermediate_size = 2\n[position]\ntype = \"none\"\n" + extra,
            "tiny.toml");
        set("token_embd.weight", {2, 2}, {3, 4, 1, -2});
        for (const char* m : {"attn.q", "attn.k", "attn.v", "attn.o", "ffn.gate", "ffn.up"})
            set(std::string("layers.0.") + m + ".weight", {2, 2}, {1, 0, 0, 1});
        set("layers.0.ffn.down.weight", {2, 2}, {0, 0, 0, 0});
        for (const char* n : {"layers.0.attn_norm", "layers.0.ffn_norm", "layers.0.post_attn_norm",
                              "layers.0.post_ffn_norm", "output_norm"})
            set(std::string(n) + ".weight", {2}, {1, 1});
        set("lm_head.weight", {2, 2}, {1, 0, 0, 1});
    }
    void set(const std::string& name, std::vector<uint64_t> shape, std::vector<float> values) {
        ModelWeights fresh;
        for (const auto& [n, view] : weights.tensors())
            if (n != name) fresh.add_owned_f32(n, view.shape, to_f32(view), n);
        fresh.add_owned_f32(name, std::move(shape), values, name);
        weights = std::move(fresh);
    }
    std::map<std::string, std::vector<float>> run(const std::vector<int32_t>& tokens) {
        std::map<std::string, std::vector<float>> seen;
        seen["logits"] = reference_forward(config, weights, tokens, {}, [&](const std::string& name, const float* d,
                                                                           size_t rows, size_t cols) {
            seen[name].assign(d, d + rows * cols);
        });
        return seen;
    }
};

// RMSNorm of a 2-vector with gains g (the tests set epsilon 1e-12: negligible).
std::vector<double> rms(double a, double b, double ga = 1, double gb = 1) {
    const double r = std::sqrt((a * a + b * b) / 2);
    return {a / r * ga, b / r * gb};
}

void check_row(const std::vector<float>& got, size_t row, const std::vector<double>& want) {
    for (size_t i = 0; i < want.size(); ++i) {
        CAPTURE(row);
        CAPTURE(i);
        // float32 storage of every intermediate: a few ulp of values near 1.
        CHECK(double(got[row * want.size() + i]) == doctest::Approx(want[i]).epsilon(1e-6));
    }
}

}  // namespace

TEST_CASE("reference: sandwich norms and the final soft-cap, one token by hand") {
    Tiny t("[norm]\nepsilon = 1e-12\npost_attention = true\npost_ffn = true\n[output]\nlogit_softcap = 1.5\n");
    t.set("layers.0.post_attn_norm.weight", {2}, {2.0f, 0.5f});
    // Token 0 embeds to (3, 4). One token attends only to itself, so the
    // attention output is v(o(.)) of the normed input: rms(3, 4).
    const std::vector<double> a = rms(3, 4);
    const std::vector<double> a_post = rms(a[0], a[1], 2.0, 0.5);
    const double x0 = 3 + a_post[0], x1 = 4 + a_post[1];
    // The FFN's down projection is zero, and so is its normed output.
    const std::vector<double> h = rms(x0, x1);
    const auto seen = t.run({0});
    check_row(seen.at("layers.0.attn_out"), 0, a_post);
    check_row(seen.at("layers.0.ffn_out"), 0, {0.0, 0.0});
    check_row(seen.at("layers.0.output"), 0, {x0, x1});
    check_row(seen.at("logits"), 0, {1.5 * std::tanh(h[0] / 1.5), 1.5 * std::tanh(h[1] / 1.5)});

    // The post-FFN norm normalises the FFN output itself. With gate = up =
    // down = identity and the default SiLU, the FFN of the normed stream u is
    // silu(u) * u.
    t.set("layers.0.ffn.down.weight", {2, 2}, {1, 0, 0, 1});
    t.set("layers.0.post_ffn_norm.weight", {2}, {0.25f, 3.0f});
    const std::vector<double> u = rms(x0, x1);
    auto silu = [](double v) { return v / (1 + std::exp(-v)); };
    const double f0 = silu(u[0]) * u[0], f1 = silu(u[1]) * u[1];
    const std::vector<double> f_post = rms(f0, f1, 0.25, 3.0);
    const auto seen2 = t.run({0});
    check_row(seen2.at("layers.0.ffn_out"), 0, f_post);
    check_row(seen2.at("layers.0.output"), 0, {x0 + f_post[0], x1 + f_post[1]});
}

TEST_CASE("reference: attention soft-cap and per-layer windows, two tokens by hand") {
    // Tokens 0, 1 embed to (3, 4) and (1, -2); q = k = v = the normed inputs
    // n0, n1. Query 1 sees both keys: scores s_j = scale * n1.n_j, capped.
    const std::vector<double> n0 = rms(3, 4), n1 = rms(1, -2);
    const double scale = 0.7, cap = 0.5;
    auto capped = [&](double s) { return cap * std::tanh(s / cap); };
    const double s0 = capped(scale * (n1[0] * n0[0] + n1[1] * n0[1]));
    const double s1 = capped(scale * (n1[0] * n1[0] + n1[1] * n1[1]));
    const double p0 = std::exp(s0) / (std::exp(s0) + std::exp(s1)), p1 = 1 - p0;
    {
        Tiny t("[norm]\nepsilon = 1e-12\n[attention]\nscale = 0.7\nlogit_softcap = 0.5\n");
        const auto seen = t.run({0, 1});
        check_row(seen.at("layers.0.attn_out"), 0, n0);
        check_row(seen.at("layers.0.attn_out"), 1, {p0 * n0[0] + p1 * n1[0], p0 * n0[1] + p1 * n1[1]});
    }
    {
        // A window of 1 on the only layer: query 1 sees itself alone.
        Tiny t("[norm]\nepsilon = 1e-12\n[attention]\nscale = 0.7\nlogit_softcap = 0.5\nsliding_window = 1\n");
        check_row(t.run({0, 1}).at("layers.0.attn_out"), 1, n1);
    }
    {
        // Pattern 1: every layer global, so the window never applies.
        Tiny t("[norm]\nepsilon = 1e-12\n[attention]\nscale = 0.7\nlogit_softcap = 0.5\nsliding_window = 1\nsliding_window_pattern = 1\n");
        check_row(t.run({0, 1}).at("layers.0.attn_out"), 1, {p0 * n0[0] + p1 * n1[0], p0 * n0[1] + p1 * n1[1]});
    }
}
