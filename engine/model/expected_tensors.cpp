#include "model/expected_tensors.h"

namespace vkllm {
namespace {

std::string eq(const char* key, uint64_t v) { return std::string(key) + "=" + std::to_string(v); }

class ListBuilder {
public:
    explicit ListBuilder(const ModelConfig& c) : c_(c) {}

    void add(std::string name, std::vector<uint64_t> shape, TensorRole role, std::string why, int expert = -1) {
        list_.push_back({std::move(name), std::move(shape), role, std::move(why), expert});
    }

    // A norm's weight and, for LayerNorm with bias, its bias.
    void norm(const std::string& prefix, uint64_t size, const std::string& why) {
        add(prefix + ".weight", {size}, TensorRole::NormWeight, why);
        if (c_.norm.bias) add(prefix + ".bias", {size}, TensorRole::NormBias, why);
    }

    void linear(const std::string& prefix, uint64_t out, uint64_t in, const std::string& why, bool bias,
                int expert = -1) {
        add(prefix + ".weight", {out, in}, TensorRole::Linear, why, expert);
        if (bias) add(prefix + ".bias", {out}, TensorRole::Bias, why, expert);
    }

    // gate (when gated) / up / down of one feed-forward network.
    void ffn(const std::string& prefix, uint64_t inter, const std::string& inter_why, bool bias, int expert = -1) {
        const uint64_t h = c_.hidden_size;
        const std::string up_why = inter_why + ", " + eq("hidden_size", h);
        const std::string down_why = eq("hidden_size", h) + ", " + inter_why;
        if (c_.ffn.gated) add(prefix + ".gate.weight", {inter, h}, TensorRole::Linear, up_why, expert);
        linear(prefix + ".up", inter, h, up_why, bias, expert);
        linear(prefix + ".down", h, inter, down_why, bias, expert);
    }

    std::vector<ExpectedTensor> take() { return std::move(list_); }

private:
    const ModelConfig& c_;
    std::vector<ExpectedTensor> list_;
};

void add_layer(const ModelConfig& c, uint32_t i, ListBuilder& b) {
    const uint64_t h = c.hidden_size, d = c.head_size(), heads = c.num_heads, kv = c.kv_heads();
    const std::string p = "layers." + std::to_string(i) + ".";
    const std::string hidden_why = eq("hidden_size", h);
    const std::string q_why = eq("num_heads", heads) + " * " + eq("head_dim", d) + ", " + hidden_why;
    const std::string kv_why = eq("num_kv_heads", kv) + " * " + eq("head_dim", d) + ", " + hidden_why;

    b.norm(p + "attn_norm", h, hidden_why);
    b.linear(p + "attn.q", heads * d, h, q_why, c.attention.qkv_bias);
    b.linear(p + "attn.k", kv * d, h, kv_why, c.attention.qkv_bias);
    b.linear(p + "attn.v", kv * d, h, kv_why, c.attention.qkv_bias);
    b.linear(p + "attn.o", h, heads * d,
             hidden_why + ", " + eq("num_heads", heads) + " * " + eq("head_dim", d), c.attention.out_bias);
    if (c.norm.post_attention) b.norm(p + "post_attn_norm", h, hidden_why);
    if (c.attention.qk_norm) {
        b.add(p + "attn.q_norm.weight", {d}, TensorRole::NormWeight, eq("head_dim", d));
        b.add(p + "attn.k_norm.weight", {d}, TensorRole::NormWeight, eq("head_dim", d));
    }
    if (!(c.block == BlockLayout::ParallelResidual && c.parallel_shared_norm)) b.norm(p + "ffn_norm", h, hidden_why);
    if (c.norm.post_ffn) b.norm(p + "post_ffn_norm", h, hidden_why);

    const MoeConfig& m = c.moe;
    if (m.num_experts == 0) {
        b.ffn(p + "ffn", c.ffn.intermediate_size, eq("intermediate_size", c.ffn.intermediate_size), c.ffn.bias);
        return;
    }
    b.add(p + "moe.router.weight", {m.num_experts, h}, TensorRole::Linear,
          eq("num_experts", m.num_experts) + ", " + hidden_why);
    const uint32_t inter = expert_intermediate(c);
    for (uint32_t e = 0; e < m.num_experts; ++e)
        b.ffn(p + "moe.experts." + std::to_string(e), inter, eq("expert_intermediate_size", inter), false, int(e));
    if (m.shared_experts > 0) {
        const uint32_t shared = shared_expert_intermediate(c);
        b.ffn(p + "moe.shared", shared, eq("shared_expert_intermediate_size", shared), false);
        if (m.shared_expert_gate) b.add(p + "moe.shared_gate.weight", {1, h}, TensorRole::Linear, hidden_why);
    }
}

}  // namespace

uint32_t expert_intermediate(const ModelConfig& c) {
    return c.moe.expert_intermediate_size ? c.moe.expert_intermediate_size : c.ffn.intermediate_size;
}

uint32_t shared_expert_intermediate(const ModelConfig& c) {
    return c.moe.shared_expert_intermediate_size ? c.moe.shared_expert_intermediate_size
                                                 : c.moe.shared_experts * expert_intermediate(c);
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c) {
    ListBuilder b(c);
    const uint64_t h = c.hidden_size, vocab = c.vocab_size;
    const std::string hidden_why = eq("hidden_size", h);
    const std::string vocab_why = eq("vocab_size", vocab) + ", " + hidden_why;

    b.add("token_embd.weight", {vocab, h}, TensorRole::Embedding, vocab_why);
    if (c.position == PositionEncoding::Learned) {
        const uint64_t rows = uint64_t(c.max_position) + c.learned_position_offset;
        b.add("pos_embd.weight", {rows, h}, TensorRole::Embedding,
              eq("max_position", c.max_position) + " + " + eq("learned_offset", c.learned_position_offset) + ", " +
                  hidden_why);
    }
    if (c.type_vocab_size > 0)
        b.add("token_type_embd.weight", {c.type_vocab_size, h}, TensorRole::Embedding,
              eq("type_vocab_size", c.type_vocab_size) + ", " + hidden_why);
    if (c.embedding_norm) b.norm("embd_norm", h, hidden_why);

    for (uint32_t i = 0; i < c.num_layers; ++i) add_layer(c, i, b);

    if (c.final_norm) b.norm("output_norm", h, hidden_why);
    if (!c.tie_embeddings) b.add("lm_head.weight", {vocab, h}, TensorRole::Linear, vocab_why);
    if (c.lm_head_bias) b.add("lm_head.bias", {vocab}, TensorRole::Bias, eq("vocab_size", vocab));
    return b.take();
}

std::string shape_text(const std::vector<uint64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

}  // namespace vkllm
