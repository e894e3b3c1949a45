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
#include "model/load.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The known key closest to `key`, if it is close enough to be a likely typo.
std::string closest(std::string_view key, const std::vector<std::string>& known) {
    std::string best;
    size_t best_distance = std::numeric_limits<size_t>::max();
    for (const auto& k : known) {
        size_t d = edit_distance(key, k);
        if (d < best_distance) best_distance = d, best = k;
    }
    size_t allowed = std::max<size_t>(2, key.size() / 3);
    return best_distance <= allowed ? best : std::string();
}

const char* type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        default: return "nothing";
    }
}

// Where each schema key lives: key -> table paths ("" for the top level).
using KeyIndex = std::multimap<std::string, std::string>;
const KeyIndex& schema_key_index();

// Reads one TOML table: each read() names a key the schema knows, so that
// finish() can reject (and suggest a fix for) every key that was never asked for.
class TableReader {
public:
    // With `record`, every key the schema asks for is noted there.
    TableReader(const toml::table& table, std::string prefix, const std::string& source, KeyIndex* record = nullptr)
        : table_(table), prefix_(std::move(prefix)), source_(source), record_(record) {}

    KeyIndex* record() const { return record_; }

    void read(std::string_view key, uint32_t& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto value = node->value_exact<int64_t>();
        if (!value) fail(*node, "key '" + path(key) + "' must be an integer, got " + type_name(*node));
        if (*value < 0 || *value > int64_t(std::numeric_limits<uint32_t>::max()))
            fail(*node, "key '" + path(key) + "' = " + std::to_string(*value) +
                            " is out of range (0 to 4294967295)");
        out = uint32_t(*value);
    }

    void read(std::string_view key, double& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        if (auto f = node->value_exact<double>())
            out = *f;
        else if (auto i = node->value_exact<int64_t>())
            out = double(*i);
        else
            fail(*node, "key '" + path(key) + "' must be a number, got " + type_name(*node));
    }

    void read(std::string_view key, std::vector<double>& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        const toml::array* array = node->as_array();
        if (!array) fail(*node, "key '" + path(key) + "' must be an array of numbers, got " + type_name(*node));
        out.clear();
        for (const toml::node& element : *array) {
            if (auto f = element.value_exact<double>())
                out.push_back(*f);
            else if (auto i = element.value_exact<int64_t>())
                out.push_back(double(*i));
            else
                fail(element, "key '" + path(key) + "' must hold only numbers, got " + type_name(element));
        }
    }

    void read(std::string_view key, bool& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto value = node->value_exact<bool>();
        if (!value) fail(*node, "key '" + path(key) + "' must be a boolean (true or false), got " + type_name(*node));
        out = *value;
    }

    void read(std::string_view key, std::string& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto value = node->value_exact<std::string>();
        if (!value) fail(*node, "key '" + path(key) + "' must be a string, got " + type_name(*node));
        out = *value;
    }

    template <class E>
    void read_enum(std::string_view key, E& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto text = node->value_exact<std::string>();
        if (!text) fail(*node, "key '" + path(key) + "' must be a string (" + enum_choices<E>() + "), got " + type_name(*node));
        auto value = enum_from_string<E>(*text);
        if (!value)
            fail(*node, "key '" + path(key) + "' = '" + *text + "' is not one of " + enum_choices<E>());
        out = *value;
    }

    // Two spellings for one bool field ("pre"/"post" and the like).
    void read_choice(std::string_view key, std::string_view if_true, std::string_view if_false, bool& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto text = node->value_exact<std::string>();
        if (!text || (*text != if_true && *text != if_false))
            fail(*node, "key '" + path(key) + "' must be '" + std::string(if_true) + "' or '" +
                            std::string(if_false) + "'");
        out = *text == if_true;
    }

    // The sub-table `key`, or nullptr when absent.
    const toml::table* table(std::string_view key) {
        const toml::node* node = lookup(key);
        if (!node) return nullptr;
        if (!node->is_table()) fail(*node, "key '" + path(key) + "' must be a table, got " + type_name(*node));
        return node->as_table();
    }

    const toml::node* raw(std::string_view key) { return lookup(key); }

    void finish() const {
        for (const auto& [key, node] : table_) {
            if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
            std::string where = prefix_.empty() ? "at the top level" : "in [" + prefix_ + "]";
            std::string message = "unknown key '" + std::string(key.str()) + "' " + where;
            std::string suggestion = closest(key.str(), known_);
            if (!suggestion.empty())
                message += "; did you mean '" + suggestion + "'?";
            else
                message += elsewhere(key.str());
            fail_at(key.source(), message);
        }
    }

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
        fail_at(node.source(), message);
    }

    [[noreturn]] void fail_at(const toml::source_region& region, const std::string& message) const {
        throw InputError(source_ + ":" + std::to_string(region.begin.line) + ":" +
                         std::to_string(region.begin.column) + ": " + message);
    }

    std::string path(std::string_view key) const {
        return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    }

private:
    // "; it belongs in [model]" when the key is known in other tables.
    std::string elsewhere(std::string_view key) const {
        std::vector<std::string> places;
        auto [first, last] = schema_key_index().equal_range(std::string(key));
        for (auto it = first; it != last; ++it)
            if (it->second != prefix_) places.push_back(it->second.empty() ? "the top level" : "[" + it->second + "]");
        std::string out;
        for (size_t i = 0; i < places.size(); ++i)
            out += (i == 0 ? "; it belongs in " : (i + 1 == places.size() ? " or " : ", ")) + places[i];
        return out;
    }

    const toml::node* lookup(std::string_view key) {
        if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
            known_.emplace_back(key);
            if (record_) record_->emplace(std::string(key), prefix_);
        }
        return table_.get(key);
    }

    const toml::table& table_;
    std::string prefix_;
    const std::string& source_;
    KeyIndex* record_;
    std::vector<std::string> known_;
};

// Runs `body` on the sub-table `key` of `parent` (an empty table when absent)
// and then rejects its unknown keys.
template <class Body>
void with_table(TableReader& parent, std::string_view key, const std::string& source, Body body) {
    static const toml::table empty;
    const toml::table* table = parent.table(key);
    TableReader reader(table ? *table : empty, parent.path(key), source, parent.record());
    body(reader);
    reader.finish();
}

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

void read_position(TableReader& r, ModelConfig& c, const std::string& source) {
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
    with_table(r, "rope_scaling", source, [&](TableReader& s) { read_rope_scaling(s, c.rope); });
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
                               type_name(node));
        c.tensor_names[std::string(key.str())] = *value;
    }
}

// Fills a ModelConfig from a parsed document, rejecting unknown keys.
ModelConfig read_document(const toml::table& root, const std::string& source_name, KeyIndex* record = nullptr) {
    ModelConfig c;
    c.source_path = source_name;
    TableReader top(root, "", source_name, record);
    top.read("name", c.name);
    top.read_enum("kind", c.kind);
    // Encoders attend both ways; a config may still say so explicitly.
    if (c.kind == ModelKind::EncoderOnly) c.attention.causal = false;
    with_table(top, "model", source_name, [&](TableReader& r) { read_model(r, c); });
    with_table(top, "norm", source_name, [&](TableReader& r) { read_norm(r, c); });
    with_table(top, "block", source_name, [&](TableReader& r) { read_block(r, c); });
    with_table(top, "position", source_name, [&](TableReader& r) { read_position(r, c, source_name); });
    with_table(top, "attention", source_name, [&](TableReader& r) { read_attention(r, c); });
    with_table(top, "ffn", source_name, [&](TableReader& r) { read_ffn(r, c); });
    with_table(top, "moe", source_name, [&](TableReader& r) { read_moe(r, c); });
    with_table(top, "embeddings", source_name, [&](TableReader& r) { read_embeddings(r, c); });
    with_table(top, "output", source_name, [&](TableReader& r) { read_output(r, c); });
    with_table(top, "weights", source_name, [&](TableReader& r) { read_weights(r, c); });
    read_tensor_names(top.table("tensor_names"), top, c);
    top.finish();
    return c;
}

// Built by reading an empty document with recording on, so the index always
// matches what the readers above accept.
const KeyIndex& schema_key_index() {
    static const KeyIndex index = [] {
        KeyIndex keys;
        read_document(toml::table{}, "schema", &keys);
        return keys;
    }();
    return index;
}

}  // namespace

ModelConfig parse_config_toml_string(const std::string& text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        throw InputError(source_name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                         ": TOML syntax error: " + std::string(e.description()));
    }
    ModelConfig c = read_document(root, source_name);
    validate(c);
    return c;
}

ModelConfig parse_config_toml(const std::string& path) {
    // A config is a few kilobytes; the cap refuses anything absurd.
    return parse_config_toml_string(read_regular_file(path, "model config", input_caps::toml_bytes), path);
}

}  // namespace vkllm
