// The per-layer and branch-output options of the schema (Gemma 2/3 use them,
// any config may): sandwich norms, the sliding-window pattern, the local RoPE
// base and the final logit soft-cap. Bad values get located errors; good ones
// survive a TOML round trip; the layer helpers follow the documented rule.
#include <doctest/doctest.h>

#include "config_test_support.h"
#include "model/expected_tensors.h"
#include "model/load.h"

using namespace vkllm;
using vkllm::test::check_error;

namespace {

std::string with(const std::string& extra) { return std::string(vkllm::test::minimal_toml) + extra; }

ModelConfig layered(uint32_t layers, const std::string& extra) {
    return parse_config_toml_string("name = \"t\"\n[model]\nvocab_size = 32\nhidden_size = 16\nnum_layers = " +
                                        std::to_string(layers) + "\nnum_heads = 2\n[ffn]\nintermediate_size = 32\n" +
                                        extra,
                                    "test.toml");
}

}  // namespace

TEST_CASE("sliding_window_pattern: every N-th layer global, located errors") {
    check_error(with("[attention]\nsliding_window = 8\nsliding_window_pattern = 0\n"),
                "test.toml:11:26: key 'attention.sliding_window_pattern' must be > 0 when given");
    check_error(with("[attention]\nsliding_window_pattern = 2\n"),
                "test.toml: attention.sliding_window_pattern: needs attention.sliding_window");
    check_error(with("[attention]\nsliding_window = 8\nsliding_window_pattern = 2000\n"),
                "attention.sliding_window_pattern: 2000 is larger than the supported maximum 1024");
    check_error(with("[attention]\nsliding_window = 8\nsliding_window_pattern = \"2\"\n"),
                "key 'attention.sliding_window_pattern' must be an integer, got a string");

    // Gemma 2 (pattern 2): even layers local; Gemma 3 (pattern 6): layers 5, 11, ... global.
    const ModelConfig g2 = layered(4, "[attention]\nsliding_window = 8\nsliding_window_pattern = 2\n");
    CHECK(layer_window(g2, 0) == 8);
    CHECK(layer_window(g2, 1) == 0);
    CHECK(layer_window(g2, 2) == 8);
    CHECK(layer_window(g2, 3) == 0);
    CHECK_FALSE(all_layers_use_window(g2));
    const ModelConfig g3 = layered(12, "[attention]\nsliding_window = 8\nsliding_window_pattern = 6\n");
    for (uint32_t i = 0; i < 12; ++i) CHECK_MESSAGE(layer_uses_window(g3, i) == (i != 5 && i != 11), "layer " << i);
    const ModelConfig all = layered(3, "[attention]\nsliding_window = 8\n");
    CHECK(all_layers_use_window(all));
    CHECK_FALSE(all_layers_use_window(layered(3, "")));
}

TEST_CASE("position.local_theta: RoPE of the windowed layers only") {
    check_error(with("[position]\nlocal_theta = 0.0\n[attention]\nsliding_window = 8\n"),
                "test.toml:10:15: key 'position.local_theta' must be a finite number > 0 when given");
    check_error(with("[position]\nlocal_theta = inf\n[attention]\nsliding_window = 8\n"),
                "key 'position.local_theta' must be a finite number > 0");
    check_error(with("[position]\nlocal_theta = 10000.0\n"),
                "position.local_theta: is the RoPE base of sliding-window layers, but attention.sliding_window is not set");
    check_error(with("[position]\ntype = \"alibi\"\nlocal_theta = 10000.0\n[attention]\nsliding_window = 8\n"),
                "position.local_theta: a RoPE base for local layers needs position.type = 'rope', not 'alibi'");

    const ModelConfig c = layered(2,
                                  "[position]\ntheta = 1000000.0\nlocal_theta = 10000.0\n"
                                  "[position.rope_scaling]\ntype = \"linear\"\nfactor = 8.0\n"
                                  "[attention]\nsliding_window = 8\nsliding_window_pattern = 2\n");
    const RopeConfig local = layer_rope(c, 0), global = layer_rope(c, 1);
    CHECK(layer_uses_local_rope(c, 0));
    CHECK_FALSE(layer_uses_local_rope(c, 1));
    CHECK(local.theta == 10000.0);
    CHECK(local.scaling == RopeScaling::None);  // scaling belongs to the global layers
    CHECK(global.theta == 1000000.0);
    CHECK(global.scaling == RopeScaling::Linear);
    CHECK(global.factor == 8.0);
}

TEST_CASE("sandwich norms and the final logit soft-cap: validation") {
    check_error(with("[norm]\npost_attention = 1\n"), "key 'norm.post_attention' must be a boolean");
    check_error(with("[norm]\npost_ffn = true\nplacement = \"post\"\n"),
                "norm.post_ffn: norms on the branch outputs need norm.placement = 'pre'");
    check_error(with("[norm]\npost_attention = true\n[block]\nlayout = \"parallel_residual\"\n"),
                "norm.post_attention: norms on the branch outputs need block.layout = 'sequential'");
    check_error(with("[output]\nlogit_softcap = -30.0\n"), "test.toml: output.logit_softcap: must be >= 0");
    check_error(with("[output]\nlogit_softcap = nan\n"), "output.logit_softcap: must be a finite number");
    check_error(with("[output]\nlogit_softcp = 30.0\n"), "unknown key 'logit_softcp' in [output]; did you mean 'logit_softcap'?");
    check_error(std::string("kind = \"encoder_only\"\n") + with("[attention]\ncausal = false\n[output]\nlogit_softcap = 30.0\n"),
                "output.logit_softcap: an encoder-only model has no logits to cap");
}

TEST_CASE("the new keys survive a TOML round trip and the tensor list grows") {
    const ModelConfig c = layered(3,
                                  "[norm]\nadd_unit_offset = true\npost_attention = true\npost_ffn = true\n"
                                  "[position]\ntheta = 1000000.0\nlocal_theta = 10000.0\n"
                                  "[attention]\nsliding_window = 4\nsliding_window_pattern = 3\nlogit_softcap = 50.0\n"
                                  "[output]\nlogit_softcap = 30.0\n");
    const ModelConfig back = parse_config_toml_string(config_to_toml(c), "test.toml");
    CHECK(back == c);
    CHECK(back.norm.post_attention);
    CHECK(back.norm.post_ffn);
    CHECK(back.rope.local_theta == 10000.0);
    CHECK(back.attention.sliding_window_pattern == 3);
    CHECK(back.final_logit_softcap == 30.0);
    size_t post = 0;
    for (const ExpectedTensor& t : expected_tensors(c))
        if (t.name.find("post_attn_norm") != std::string::npos || t.name.find("post_ffn_norm") != std::string::npos) {
            CHECK(t.shape == std::vector<uint64_t>{16});
            ++post;
        }
    CHECK(post == 6);
}
