// load_hf_weights: a Hugging Face checkpoint -> logical tensors, following the
// family's name rules. Tensors that need no change stay views into the mapped
// files; transposed (GPT-2 Conv1D) and split (fused QKV) ones are copied.
#include <cstring>

#include "model/hf_families.h"
#include "model/load.h"
#include "model/safetensors.h"
#include "vkllm/error.h"

namespace vkllm {
namespace {

std::string expand(std::string pattern, int layer, int expert) {
    auto replace = [&](const std::string& key, int value) {
        for (size_t at = pattern.find(key); at != std::string::npos; at = pattern.find(key))
            pattern.replace(at, key.size(), std::to_string(value));
    };
    if (layer >= 0) replace("{i}", layer);
    if (expert >= 0) replace("{e}", expert);
    return pattern;
}

// Raw bytes of a tensor held outside the mapped file while it is transformed.
struct Buffer {
    TensorView view;
    std::vector<uint8_t> bytes;
};

Buffer transposed(const TensorView& src) {
    if (src.shape.size() != 2)
        throw InputError("tensor '" + src.name + "': expected a 2-D Conv1D weight [in, out] to transpose");
    const size_t rows = src.shape[0], cols = src.shape[1], esize = dtype_block_bytes(src.dtype);
    Buffer out;
    out.bytes.resize(src.bytes);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c)
            std::memcpy(&out.bytes[(c * rows + r) * esize], src.data + (r * cols + c) * esize, esize);
    out.view = src;
    out.view.shape = {cols, rows};
    out.view.data = out.bytes.data();
    return out;
}

class Mapper {
public:
    Mapper(const ModelConfig& config, const HfFamily& family, const SafetensorsCheckpoint& checkpoint,
           ModelWeights& weights)
        : config_(config), family_(family), checkpoint_(checkpoint), weights_(weights) {}

    const TensorView* lookup(const std::string& name, bool absolute) const {
        if (absolute) return checkpoint_.find(name);
        if (const TensorView* t = checkpoint_.find(family_.base_prefix + name)) return t;
        return checkpoint_.find(name);  // bare base-model checkpoint
    }

    void map(const HfNameRule& rule, int layer, int expert) {
        for (const char* suffix : {".weight", ".bias"}) {
            const std::string logical = expand(rule.logical, layer, expert) + suffix;
            const TensorView* t = lookup(expand(rule.hf, layer, expert) + suffix, rule.absolute);
            if (!t) continue;
            if (rule.transpose && std::strcmp(suffix, ".weight") == 0) {
                Buffer b = transposed(*t);
                weights_.add_owned(logical, b.view.dtype, b.view.shape, std::move(b.bytes), t->name);
            } else {
                weights_.add_view(logical, *t);
            }
        }
    }

    void split_fused_qkv(int layer) {
        const HfFusedQkv& fused = family_.fused_qkv;
        for (const char* suffix : {".weight", ".bias"}) {
            const TensorView* t = lookup(expand(fused.hf, layer, -1) + suffix, false);
            if (!t) continue;
            const bool weight = std::strcmp(suffix, ".weight") == 0;
            Buffer staged;
            const TensorView* src = t;
            if (weight && fused.transpose) {
                staged = transposed(*t);
                src = &staged.view;
            }
            split(*src, layer, suffix, src == t);
        }
    }

private:
    void split(const TensorView& src, int layer, const std::string& suffix, bool may_view) {
        const uint64_t d = config_.head_size(), heads = config_.num_heads, kv = config_.kv_heads();
        const uint64_t rows = (heads + 2 * kv) * d;
        if (src.shape.empty() || src.shape[0] != rows)
            throw InputError(checkpoint_.source + ": tensor '" + src.name + "': fused QKV has " +
                             (src.shape.empty() ? std::string("no rows") : std::to_string(src.shape[0]) + " rows") +
                             ", expected (num_heads + 2 * num_kv_heads) * head_dim = " + std::to_string(rows));
        std::vector<uint64_t> q, k, v;  // first row of each head, in head order
        if (family_.fused_qkv.layout == HfQkvLayout::Contiguous) {
            for (uint64_t h = 0; h < heads; ++h) q.push_back(h * d);
            for (uint64_t h = 0; h < kv; ++h) k.push_back((heads + h) * d);
            for (uint64_t h = 0; h < kv; ++h) v.push_back((heads + kv + h) * d);
        } else {
            const uint64_t per_group = heads / kv;
            for (uint64_t g = 0; g < kv; ++g) {
                const uint64_t base = g * (per_group + 2) * d;
                for (uint64_t h = 0; h < per_group; ++h) q.push_back(base + h * d);
                k.push_back(base + per_group * d);
                v.push_back(base + (per_group + 1) * d);
            }
        }
        const std::string prefix = "layers." + std::to_string(layer) + ".attn.";
        add_rows(prefix + "q" + suffix, src, q, d, may_view);
        add_rows(prefix + "k" + suffix, src, k, d, may_view);
        add_rows(prefix + "v" + suffix, src, v, d, may_view);
    }

    // Gathers `count` rows starting at each of `starts`; one contiguous run of a
    // mapped tensor stays a view.
    void add_rows(const std::string& logical, const TensorView& src, const std::vector<uint64_t>& starts,
                  uint64_t count, bool may_view) {
        const uint64_t row_bytes = src.bytes / src.shape[0];
        std::vector<uint64_t> shape = src.shape;
        shape[0] = starts.size() * count;
        bool contiguous = true;
        for (size_t i = 1; i < starts.size(); ++i) contiguous &= starts[i] == starts[0] + i * count;
        if (contiguous && may_view) {
            TensorView view = src;
            view.shape = shape;
            view.data = src.data + starts[0] * row_bytes;
            view.bytes = shape[0] * row_bytes;
            weights_.add_view(logical, view);
            return;
        }
        std::vector<uint8_t> bytes;
        bytes.reserve(shape[0] * row_bytes);
        for (uint64_t start : starts) {
            const uint8_t* p = src.data + start * row_bytes;
            bytes.insert(bytes.end(), p, p + count * row_bytes);
        }
        weights_.add_owned(logical, src.dtype, shape, std::move(bytes), src.name);
    }

    const ModelConfig& config_;
    const HfFamily& family_;
    const SafetensorsCheckpoint& checkpoint_;
    ModelWeights& weights_;
};

}  // namespace

ModelWeights load_hf_weights(const ModelConfig& config, const std::string& dir) {
    const HfFamily& family =
        find_hf_family(config.hf_architecture, config.source_path.empty() ? dir : config.source_path);
    if (config.num_heads == 0 || config.kv_heads() == 0 || config.num_heads % config.kv_heads() != 0)
        throw InputError(dir + ": num_heads = " + std::to_string(config.num_heads) +
                         " must be a positive multiple of num_kv_heads = " + std::to_string(config.kv_heads()));
    const SafetensorsCheckpoint checkpoint = open_safetensors_checkpoint(dir);
    // Every layer holds several tensors and every expert at least two, so a config
    // asking for more than the checkpoint could hold is wrong (and would make the
    // loops below run for ages).
    const uint64_t at_least = uint64_t(config.num_layers) * (1 + uint64_t(config.moe.num_experts));
    if (at_least > checkpoint.tensors.size())
        throw InputError(checkpoint.source + ": holds " + std::to_string(checkpoint.tensors.size()) +
                         " tensors, too few for num_layers = " + std::to_string(config.num_layers) +
                         (config.moe.num_experts ? " with num_experts = " + std::to_string(config.moe.num_experts) : ""));
    ModelWeights weights;
    weights.source = checkpoint.source;
    for (const auto& file : checkpoint.files) weights.keep_file(file);

    Mapper mapper(config, family, checkpoint, weights);
    for (const HfNameRule& rule : family.globals) {
        if (config.tie_embeddings && std::string(rule.logical) == "lm_head") continue;
        mapper.map(rule, -1, -1);
    }
    for (uint32_t i = 0; i < config.num_layers; ++i) {
        for (const HfNameRule& rule : family.layer) mapper.map(rule, int(i), -1);
        if (family.fused_qkv.layout != HfQkvLayout::None) mapper.split_fused_qkv(int(i));
        for (uint32_t e = 0; e < config.moe.num_experts; ++e)
            for (const HfNameRule& rule : family.expert) mapper.map(rule, int(i), int(e));
    }
    return weights;
}

}  // namespace vkllm
