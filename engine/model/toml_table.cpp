#include "model/toml_table.h"

#include <algorithm>
#include <limits>

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

}  // namespace

std::string closest_key(std::string_view key, const std::vector<std::string>& known) {
    std::string best;
    size_t best_distance = std::numeric_limits<size_t>::max();
    for (const auto& k : known) {
        size_t d = edit_distance(key, k);
        if (d < best_distance) best_distance = d, best = k;
    }
    size_t allowed = std::max<size_t>(2, key.size() / 3);
    return best_distance <= allowed ? best : std::string();
}

const char* toml_type_name(const toml::node& node) {
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

toml::table parse_toml_located(const std::string& text, const std::string& source_name) {
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        throw InputError(source_name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                         ": TOML syntax error: " + std::string(e.description()));
    }
}

TableReader::TableReader(const toml::table& table, std::string prefix, std::string source, TomlKeyIndex* record,
                         const TomlKeyIndex* schema)
    : table_(table), prefix_(std::move(prefix)), source_(std::move(source)), record_(record), schema_(schema) {}

void TableReader::read(std::string_view key, uint32_t& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto value = node->value_exact<int64_t>();
    if (!value) fail(*node, "key '" + path(key) + "' must be an integer, got " + toml_type_name(*node));
    if (*value < 0 || *value > int64_t(std::numeric_limits<uint32_t>::max()))
        fail(*node, "key '" + path(key) + "' = " + std::to_string(*value) + " is out of range (0 to 4294967295)");
    out = uint32_t(*value);
}

void TableReader::read(std::string_view key, uint64_t& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto value = node->value_exact<int64_t>();
    if (!value) fail(*node, "key '" + path(key) + "' must be an integer, got " + toml_type_name(*node));
    if (*value < 0) fail(*node, "key '" + path(key) + "' = " + std::to_string(*value) + " must not be negative");
    out = uint64_t(*value);
}

void TableReader::read(std::string_view key, double& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    if (auto f = node->value_exact<double>())
        out = *f;
    else if (auto i = node->value_exact<int64_t>())
        out = double(*i);
    else
        fail(*node, "key '" + path(key) + "' must be a number, got " + toml_type_name(*node));
}

void TableReader::read(std::string_view key, bool& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto value = node->value_exact<bool>();
    if (!value) fail(*node, "key '" + path(key) + "' must be a boolean (true or false), got " + toml_type_name(*node));
    out = *value;
}

void TableReader::read(std::string_view key, std::string& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto value = node->value_exact<std::string>();
    if (!value) fail(*node, "key '" + path(key) + "' must be a string, got " + toml_type_name(*node));
    out = *value;
}

void TableReader::read(std::string_view key, std::vector<double>& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    const toml::array* array = node->as_array();
    if (!array) fail(*node, "key '" + path(key) + "' must be an array of numbers, got " + toml_type_name(*node));
    out.clear();
    for (const toml::node& element : *array) {
        if (auto f = element.value_exact<double>())
            out.push_back(*f);
        else if (auto i = element.value_exact<int64_t>())
            out.push_back(double(*i));
        else
            fail(element, "key '" + path(key) + "' must hold only numbers, got " + toml_type_name(element));
    }
}

void TableReader::read(std::string_view key, std::vector<uint32_t>& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto one = [&](const toml::node& element) {
        auto value = element.value_exact<int64_t>();
        if (!value) fail(element, "key '" + path(key) + "' must hold only integers, got " + toml_type_name(element));
        if (*value < 0 || *value > int64_t(std::numeric_limits<uint32_t>::max()))
            fail(element, "key '" + path(key) + "' holds " + std::to_string(*value) + ", out of range (0 to 4294967295)");
        out.push_back(uint32_t(*value));
    };
    out.clear();
    if (const toml::array* array = node->as_array())
        for (const toml::node& element : *array) one(element);
    else if (node->is_integer())
        one(*node);
    else
        fail(*node, "key '" + path(key) + "' must be an array of integers, got " + toml_type_name(*node));
}

void TableReader::read(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto one = [&](const toml::node& element) {
        auto value = element.value_exact<std::string>();
        if (!value) fail(element, "key '" + path(key) + "' must hold only strings, got " + toml_type_name(element));
        out.push_back(*value);
    };
    out.clear();
    if (const toml::array* array = node->as_array())
        for (const toml::node& element : *array) one(element);
    else if (node->is_string())
        one(*node);
    else
        fail(*node, "key '" + path(key) + "' must be an array of strings, got " + toml_type_name(*node));
}

void TableReader::read_choice(std::string_view key, std::string_view if_true, std::string_view if_false, bool& out) {
    const toml::node* node = lookup(key);
    if (!node) return;
    auto text = node->value_exact<std::string>();
    if (!text || (*text != if_true && *text != if_false))
        fail(*node, "key '" + path(key) + "' must be '" + std::string(if_true) + "' or '" + std::string(if_false) + "'");
    out = *text == if_true;
}

const toml::table* TableReader::table(std::string_view key) {
    const toml::node* node = lookup(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail(*node, "key '" + path(key) + "' must be a table, got " + toml_type_name(*node));
    return node->as_table();
}

std::vector<const toml::table*> TableReader::tables(std::string_view key) {
    std::vector<const toml::table*> out;
    const toml::node* node = lookup(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array)
        fail(*node, "key '" + path(key) + "' must be an array of tables ([[" + path(key) + "]] sections), got " +
                        toml_type_name(*node));
    for (const toml::node& element : *array) {
        if (!element.is_table())
            fail(element, "key '" + path(key) + "' must hold only tables, got " + toml_type_name(element));
        out.push_back(element.as_table());
    }
    return out;
}

void TableReader::finish() const {
    for (const auto& [key, node] : table_) {
        if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
        std::string where = prefix_.empty() ? "at the top level" : "in [" + prefix_ + "]";
        std::string message = "unknown key '" + std::string(key.str()) + "' " + where;
        std::string suggestion = closest_key(key.str(), known_);
        if (!suggestion.empty())
            message += "; did you mean '" + suggestion + "'?";
        else
            message += elsewhere(key.str());
        fail_at(key.source(), message);
    }
}

void TableReader::fail(const toml::node& node, const std::string& message) const { fail_at(node.source(), message); }

void TableReader::fail_at(const toml::source_region& region, const std::string& message) const {
    throw InputError(source_ + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column) +
                     ": " + message);
}

std::string TableReader::path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

// "; it belongs in [model]" when the key is known in other tables.
std::string TableReader::elsewhere(std::string_view key) const {
    if (!schema_) return {};
    std::vector<std::string> places;
    auto [first, last] = schema_->equal_range(std::string(key));
    for (auto it = first; it != last; ++it)
        if (it->second != prefix_) places.push_back(it->second.empty() ? "the top level" : "[" + it->second + "]");
    std::string out;
    for (size_t i = 0; i < places.size(); ++i)
        out += (i == 0 ? "; it belongs in " : (i + 1 == places.size() ? " or " : ", ")) + places[i];
    return out;
}

const toml::node* TableReader::lookup(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        known_.emplace_back(key);
        if (record_) record_->emplace(std::string(key), prefix_);
    }
    return table_.get(key);
}

}  // namespace vkllm
