// TOML model config -> ModelConfig. The schema is documented key by key in
// configs/models/README.md. Every key is checked: unknown keys, wrong types and
// bad enum values are errors that point at file:line:column.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "common/input_file.h"
#include "model/config_names.h"
#include "model/toml_table.h"
#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

// Where each schema key lives, for "it belongs in [model]".
const TomlKeyIndex& schema_key_index();

void read_model(TableReader& r, ModelConfig& c) {
    r.read("vocab_size", c.vocab_size);
    r.read("hidden_size", c.hidden_size);
    r.read("num_layers", c.num_layers);
    r.read("num_heads", c.num_heads);
    r.read("num_kv_heads", c.num_kv_heads);
    r.read("head_dim", c.head_dim);
    r.read("max_position", c.max_position);
    r.read("type_vocab_size", c.type_vocab_size);
}

void read_norm(TableReader& r, ModelConfig& c) {
    r.read_enum("type", c.norm.type);
    r.read("epsilon", c.norm.epsilon);
    r.read("add_unit_offset", c.norm.add_unit_offset);
    r.read("bias", c.norm.bias);
    r.read_choice("placement", "pre", "post", c.norm_before);
    r.read("post_attention", c.norm.post_attention);
    r.read("post_ffn", c.norm.post_ffn);
}

void read_block(TableReader& r, ModelConfig& c) {
    r.read_enum("layout", c.block);
    r.read("shared_norm", c.parallel_shared_norm);
}

void read_rope_scaling(TableReader& r, RopeConfig& rope) {
    r.read_enum("type", rope.scaling);
    r.read("factor", rope.factor);
    r.read("original_max_position", rope.original_max_position);
    r.read("low_freq_factor", rope.low_freq_factor);
    r.read("high_freq_factor", rope.high_freq_factor);
    r.read("beta_fast", rope.beta_fast);
    r.read("beta_slow", rope.beta_slow);
    r.read("attention_factor", rope.attention_factor);
}

void read_position(TableReader& r, ModelConfig& c) {
    r.read_enum("type", c.position);
    r.read("theta", c.rope.theta);
    r.read("partial_rotary_fraction", c.rope.partial_rotary_fraction);
    r.read_enum("style", c.rope.style);
    r.read("learned_offset", c.learned_position_offset);
    r.read("frequency_factors", c.rope.frequency_factors);
    if (const toml::node* local = r.raw("local_theta")) {
        r.read("local_theta", c.rope.local_theta);
        if (!(c.rope.local_theta > 0) || !std::isfinite(c.rope.local_theta))
            r.fail(*local, "key 'position.local_theta' must be a finite number > 0 when given "
                           "(leave it out for one RoPE base on every layer)");
    }
    with_table(r, "rope_scaling", [&](TableReader& s) { read_rope_scaling(s, c.rope); });
}

void read_attention(TableReader& r, ModelConfig& c) {
    r.read("causal", c.attention.causal);
    if (const toml::node* window = r.raw("sliding_window")) {
        r.read("sliding_window", c.attention.sliding_window);
        if (c.attention.sliding_window == 0)
            r.fail(*window, "key 'attention.sliding_window' must be > 0 when given (leave it out for full attention)");
    }
    if (const toml::node* pattern = r.raw("sliding_window_pattern")) {
        r.read("sliding_window_pattern", c.attention.sliding_window_pattern);
        if (c.attention.sliding_window_pattern == 0)
            r.fail(*pattern, "key 'attention.sliding_window_pattern' must be > 0 when given "
                             "(leave it out for the window on every layer)");
    }
    r.read("logit_softcap", c.attention.logit_softcap);
    r.read("qkv_bias", c.attention.qkv_bias);
    r.read("out_bias", c.attention.out_bias);
    r.read("qk_norm", c.attention.qk_norm);
    r.read("scale", c.attention.scale);
}

void read_ffn(TableReader& r, ModelConfig& c) {
    r.read("gated", c.ffn.gated);
    r.read_enum("activation", c.ffn.activation);
    r.read("intermediate_size", c.ffn.intermediate_size);
    r.read("bias", c.ffn.bias);
}

void read_moe(TableReader& r, ModelConfig& c) {
    MoeConfig& m = c.moe;
    r.read("num_experts", m.num_experts);
    r.read("top_k", m.top_k);
    r.read("renormalize_top_k", m.renormalize_top_k);
    r.read_enum("router", m.router);
    r.read("expert_intermediate_size", m.expert_intermediate_size);
    r.read("shared_experts", m.shared_experts);
    r.read("shared_expert_intermediate_size", m.shared_expert_intermediate_size);
    r.read("shared_expert_gate", m.shared_expert_gate);
    r.read("capacity_factor", m.capacity_factor);
    r.read_enum("capacity_overflow", m.capacity_overflow);
    r.read("dense", m.dense);
}

void read_embeddings(TableReader& r, ModelConfig& c) {
    r.read("tied", c.tie_embeddings);
    r.read("scale", c.embedding_scale);
    r.read("norm", c.embedding_norm);
}

void read_output(TableReader& r, ModelConfig& c) {
    r.read("final_norm", c.final_norm);
    r.read("lm_head_bias", c.lm_head_bias);
    r.read("logit_softcap", c.final_logit_softcap);
    r.read_enum("pooling", c.pooling);
}

void read_weights(TableReader& r, ModelConfig& c) {
    r.read("path", c.weights);
    r.read("format", c.weight_format);
    r.read("hf_architecture", c.hf_architecture);
    r.read("dtype", c.dtype);
    r.read("tokenizer", c.tokenizer);
}

void read_tensor_names(const toml::table* table, TableReader& top, ModelConfig& c) {
    if (!table) return;
    for (const auto& [key, node] : *table) {
        auto value = node.value_exact<std::string>();
        if (!value)
            top.fail(node, "key 'tensor_names.\"" + std::string(key.str()) + "\"' must be a string, got " +
                               toml_type_name(node));
        c.tensor_names[std::string(key.str())] = *value;
    }
}

// Fills a ModelConfig from a parsed document, rejecting unknown keys.
ModelConfig read_document(const toml::table& root, const std::string& source_name, TomlKeyIndex* record = nullptr) {
    ModelConfig c;
    c.source_path = source_name;
    TableReader top(root, "", source_name, record, record ? nullptr : &schema_key_index());
    top.read("name", c.name);
    top.read_enum("kind", c.kind);
    // Encoders attend both ways; a config may still say so explicitly.
    if (c.kind == ModelKind::EncoderOnly) c.attention.causal = false;
    with_table(top, "model", [&](TableReader& r) { read_model(r, c); });
    with_table(top, "norm", [&](TableReader& r) { read_norm(r, c); });
    with_table(top, "block", [&](TableReader& r) { read_block(r, c); });
    with_table(top, "position", [&](TableReader& r) { read_position(r, c); });
    with_table(top, "attention", [&](TableReader& r) { read_attention(r, c); });
    with_table(top, "ffn", [&](TableReader& r) { read_ffn(r, c); });
    with_table(top, "moe", [&](TableReader& r) { read_moe(r, c); });
    with_table(top, "embeddings", [&](TableReader& r) { read_embeddings(r, c); });
    with_table(top, "output", [&](TableReader& r) { read_output(r, c); });
    with_table(top, "weights", [&](TableReader& r) { read_weights(r, c); });
    read_tensor_names(top.table("tensor_names"), top, c);
    top.finish();
    return c;
}

// Built by reading an empty document with recording on, so the index always
// matches what the readers above accept.
const TomlKeyIndex& schema_key_index() {
    static const TomlKeyIndex index = [] {
        TomlKeyIndex keys;
        read_document(toml::table{}, "schema", &keys);
        return keys;
    }();
    return index;
}

}  // namespace

ModelConfig parse_config_toml_string(const std::string& text, const std::string& source_name) {
    const toml::table root = parse_toml_located(text, source_name);
    ModelConfig c = read_document(root, source_name);
    validate(c);
    return c;
}

ModelConfig parse_config_toml(const std::string& path) {
    // A config is a few kilobytes; the cap refuses anything absurd.
    return parse_config_toml_string(read_regular_file(path, "model config", input_caps::toml_bytes), path);
}

}  // namespace vkllm
