#include "reference/embeddings.h"

#include <cmath>

#include "model/sinusoidal.h"
#include "reference/norms.h"
#include "vkllm/error.h"

namespace vkllm::ref {

namespace {

// Adds row `index` of `table` ([rows, hidden]) to `row`.
void add_row(float* row, const Weight& table, int64_t index, const char* what) {
    const uint64_t rows = table.shape[0], hidden = table.shape[1];
    if (index < 0 || uint64_t(index) >= rows)
        throw InputError(std::string(what) + " " + std::to_string(index) + " is outside the table's " +
                         std::to_string(rows) + " rows");
    const float* src = table.values.data() + uint64_t(index) * hidden;
    for (uint64_t c = 0; c < hidden; ++c) row[c] += src[c];
}

}  // namespace

Matrix embed(const ModelConfig& config, const ModelWeights& weights, const std::vector<int32_t>& tokens,
             const std::vector<int32_t>& token_types) {
    const size_t n = tokens.size(), hidden = config.hidden_size;
    const Weight table = load_weight(weights, "token_embd.weight", {config.vocab_size, hidden});
    Matrix x(n, hidden);
    for (size_t t = 0; t < n; ++t) {
        add_row(x.row(t), table, tokens[t], "token id");
        if (config.embedding_scale != 1.0)
            for (size_t c = 0; c < hidden; ++c) x.row(t)[c] = float(double(x.row(t)[c]) * config.embedding_scale);
    }
    if (config.position == PositionEncoding::Learned) {
        const Weight pos = load_weight(weights, "pos_embd.weight");
        if (pos.shape.size() != 2 || pos.shape[1] != hidden)
            throw InputError("tensor 'pos_embd.weight' must be [positions, " + std::to_string(hidden) + "]");
        for (size_t t = 0; t < n; ++t) add_row(x.row(t), pos, int64_t(t) + config.learned_position_offset, "position row");
    } else if (config.position == PositionEncoding::Sinusoidal) {
        for (size_t t = 0; t < n; ++t) add_sinusoidal_position(x.row(t), hidden, uint32_t(t));
    }
    if (config.type_vocab_size > 0) {
        const Weight types = load_weight(weights, "token_type_embd.weight", {config.type_vocab_size, hidden});
        for (size_t t = 0; t < n; ++t) add_row(x.row(t), types, token_types.empty() ? 0 : token_types[t], "token type");
    }
    if (config.embedding_norm) apply_norm(config.norm, x, weights, "embd_norm");
    return x;
}

}  // namespace vkllm::ref
