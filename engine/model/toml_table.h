#pragma once
// Reading TOML tables with every error located (file:line:column): wrong
// types, bad values, and unknown keys with a "did you mean" for a likely typo.
// The model config reader (config_toml.cpp) and `vkllm bench --spec`
// (configs/bench/README.md) both read their files through it.
#include <toml++/toml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/config_names.h"

namespace vkllm {

// Where each key of a schema lives: key -> table paths ("" for the top level).
using TomlKeyIndex = std::multimap<std::string, std::string>;

// The known key closest to `key` by edit distance, if close enough to be a
// likely typo; empty otherwise.
std::string closest_key(std::string_view key, const std::vector<std::string>& known);

// "an integer", "a string", ... for messages.
const char* toml_type_name(const toml::node& node);

// Parses `text`; a syntax error becomes an InputError "<source>:L:C: TOML syntax error: ...".
toml::table parse_toml_located(const std::string& text, const std::string& source_name);

// Reads one TOML table: each read() names a key the schema knows, so that
// finish() can reject (and suggest a fix for) every key that was never asked for.
class TableReader {
public:
    // With `record`, every key asked for is noted there (to build a schema
    // index); with `schema`, an unknown key that is known in another table is
    // pointed there ("it belongs in [model]").
    TableReader(const toml::table& table, std::string prefix, std::string source, TomlKeyIndex* record = nullptr,
                const TomlKeyIndex* schema = nullptr);

    TomlKeyIndex* record() const { return record_; }
    const TomlKeyIndex* schema() const { return schema_; }
    const std::string& source() const { return source_; }
    const toml::table& table() const { return table_; }

    void read(std::string_view key, uint32_t& out);
    void read(std::string_view key, uint64_t& out);
    void read(std::string_view key, double& out);
    void read(std::string_view key, bool& out);
    void read(std::string_view key, std::string& out);
    void read(std::string_view key, std::vector<double>& out);
    // An array of integers 0 .. 2^32-1 (a single integer is taken as one element).
    void read(std::string_view key, std::vector<uint32_t>& out);
    // An array of strings (a single string is taken as one element).
    void read(std::string_view key, std::vector<std::string>& out);

    template <class E>
    void read_enum(std::string_view key, E& out) {
        const toml::node* node = lookup(key);
        if (!node) return;
        auto text = node->value_exact<std::string>();
        if (!text)
            fail(*node, "key '" + path(key) + "' must be a string (" + enum_choices<E>() + "), got " + toml_type_name(*node));
        auto value = enum_from_string<E>(*text);
        if (!value) fail(*node, "key '" + path(key) + "' = '" + *text + "' is not one of " + enum_choices<E>());
        out = *value;
    }

    // Two spellings for one bool field ("pre"/"post" and the like).
    void read_choice(std::string_view key, std::string_view if_true, std::string_view if_false, bool& out);

    // The sub-table `key`, or nullptr when absent.
    const toml::table* table(std::string_view key);
    // The tables of the array of tables `key` ([[key]] sections); empty when absent.
    std::vector<const toml::table*> tables(std::string_view key);

    const toml::node* raw(std::string_view key) { return lookup(key); }

    // Rejects every key of the table that no read() asked for.
    void finish() const;

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const;
    [[noreturn]] void fail_at(const toml::source_region& region, const std::string& message) const;

    // "prefix.key" (or "key" at the top level), as messages name a key.
    std::string path(std::string_view key) const;

private:
    std::string elsewhere(std::string_view key) const;
    const toml::node* lookup(std::string_view key);

    const toml::table& table_;
    std::string prefix_;
    std::string source_;
    TomlKeyIndex* record_;
    const TomlKeyIndex* schema_;
    std::vector<std::string> known_;
};

// Runs `body` on the sub-table `key` of `parent` (an empty table when absent)
// and then rejects its unknown keys.
template <class Body>
void with_table(TableReader& parent, std::string_view key, Body body) {
    static const toml::table empty;
    const toml::table* table = parent.table(key);
    TableReader reader(table ? *table : empty, parent.path(key), parent.source(), parent.record(), parent.schema());
    body(reader);
    reader.finish();
}

}  // namespace vkllm
