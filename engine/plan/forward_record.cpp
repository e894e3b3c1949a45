// The dispatch list of one forward step, recorded once per step size.
#include <cmath>
#include <optional>

#include "ops/attention.h"
#include "ops/eltwise.h"
#include "ops/embedding.h"
#include "ops/gated.h"
#include "ops/kv_write.h"
#include "ops/linear.h"
#include "ops/rope.h"
#include "ops/rows.h"
#include "ops/topk.h"
#include "plan/forward.h"
#include "plan/forward_state.h"
#include "plan/recorder.h"
#include "model/rope_frequencies.h"

namespace vkllm::plan {

void GpuForward::record(vk::CommandBuffer& commands, const ProgramKey& key) {
    const Output output = key.output;
    const bool last_only = output != Output::AllRows;
    const uint32_t n = key.tokens, batch = key.sequences;
    const ModelConfig& c = config_;
    Scratch& s = *scratch_;
    Inputs& in = *inputs_;
    const auto precision = options_.f16_prefill_activations ? ops::MatmulPrecision::F16Activations
                                                            : ops::MatmulPrecision::F32Activations;
    Recorder r(device_, commands, weights_, n, precision, options_.profile);
    r.use_split_partials(s.split_partials.get());
    const uint32_t hidden = c.hidden_size, heads = c.num_heads, kvh = c.kv_heads(), hd = c.head_size();
    const bool encoder = c.kind == ModelKind::EncoderOnly;

    // Embeddings.
    ops::record_embedding(device_, commands, *in.ids, weights_.matrix("token_embd.weight"), *s.x, n,
                          float(c.embedding_scale));
    r.done("embedding");
    if (c.position == PositionEncoding::Learned) {
        ops::record_embedding(device_, commands, *in.position_ids, weights_.matrix("pos_embd.weight"), *s.proj, n);
        commands.barrier();
        r.add(*s.x, *s.proj, n * hidden);
    }
    if (c.position == PositionEncoding::Sinusoidal) r.add(*s.x, *in.sinusoidal_rows, n * hidden);
    if (c.type_vocab_size > 0) {
        ops::record_embedding(device_, commands, *in.type_ids, weights_.matrix("token_type_embd.weight"), *s.proj, n);
        commands.barrier();
        r.add(*s.x, *s.proj, n * hidden);
    }
    if (c.embedding_norm) {
        r.norm(c.norm, "embd_norm", *s.x, *s.h, n, hidden);
        commands.copy(*s.h, 0, *s.x, 0, uint64_t(n) * hidden * 4);
        r.done("copy");
    }

    ops::AttentionSpec spec;
    spec.heads = heads;
    spec.kv_heads = kvh;
    spec.head_dim = hd;
    spec.block_size = geometry_.block_size;
    spec.scale = float(c.attention.scale);
    spec.causal = c.attention.causal;
    spec.softcap = float(c.attention.logit_softcap);
    spec.alibi = c.position == PositionEncoding::ALiBi;
    spec.kv_type = pools_->type();
    const ops::AttentionShape shape{n, batch, max_blocks_, max_context_};
    // Per layer: its window, its RoPE settings and the frequencies they give.
    auto layer_spec = [&](uint32_t layer) {
        ops::AttentionSpec layer_spec = spec;
        layer_spec.sliding_window = layer_window(c, layer);
        return layer_spec;
    };
    auto layer_rope_spec = [&](uint32_t layer) {
        const RopeConfig rope = layer_rope(c, layer);
        return ops::RopeSpec{hd, c.position == PositionEncoding::RoPE ? rotary_dims(c) : 0,
                             rope.style == RopeStyle::GPTJ ? ops::RopeStyle::GPTJ : ops::RopeStyle::NeoX,
                             float(rope_attention_factor(rope))};
    };
    auto layer_inv_freq = [&](uint32_t layer) -> const vk::Buffer& {
        return layer_uses_local_rope(c, layer) ? *in.inv_freq_local : *in.inv_freq;
    };

    // Attention block: `src` [n, hidden] -> s.proj [n, hidden], or added to `*residual` when given.
    // `norm`: the products normalise `src` themselves (Recorder::fusable_norm).
    auto attention = [&](uint32_t layer, const vk::Buffer& src, const vk::Buffer* residual = nullptr,
                         const ops::InputNorm* norm = nullptr) {
        const std::string p = "layers." + std::to_string(layer) + ".attn.";
        // Three independent products: one barrier after all of them.
        r.record_linear(src, p + "q", *s.q, c.attention.qkv_bias, norm);
        r.record_linear(src, p + "k", *s.k, c.attention.qkv_bias, norm);
        r.record_linear(src, p + "v", *s.v, c.attention.qkv_bias, norm);
        r.done("qkv");
        if (c.attention.qk_norm) {
            NormConfig head_norm = c.norm;
            head_norm.type = NormType::RMSNorm;
            r.norm(head_norm, p + "q_norm", *s.q, *s.attn, n * heads, hd);
            commands.copy(*s.attn, 0, *s.q, 0, uint64_t(n) * heads * hd * 4);
            r.done("copy");
            r.norm(head_norm, p + "k_norm", *s.k, *s.attn, n * kvh, hd);
            commands.copy(*s.attn, 0, *s.k, 0, uint64_t(n) * kvh * hd * 4);
            r.done("copy");
        }
        // RoPE on the queries in place and on the keys on their way into the
        // cache: independent dispatches, one barrier.
        const ops::RopeSpec rope = layer_rope_spec(layer);
        const vk::Buffer& inv_freq = layer_inv_freq(layer);
        if (rope.rotary_dims > 0)
            ops::record_rope(device_, commands, rope, *s.q, *in.positions, inv_freq, n, heads);
        const ops::KvRope key_rope{rope, in.positions.get(), &inv_freq};
        ops::record_kv_write(device_, commands, *s.k, *s.v, *in.slots, pools_->keys(layer), pools_->values(layer), n,
                             kvh * hd, pools_->type(), &key_rope);
        r.done("rope_kv_write");
        ops::AttentionBuffers buffers;
        buffers.q = s.q.get();
        buffers.seq_index = in.seq_index.get();
        buffers.positions = in.positions.get();
        buffers.context_lens = in.context_len.get();
        buffers.block_table = in.block_table.get();
        buffers.k_pool = &pools_->keys(layer);
        buffers.v_pool = &pools_->values(layer);
        buffers.alibi_slopes = in.alibi_slopes.get();
        buffers.out = s.attn.get();
        buffers.scratch = s.attention_scratch.get();
        ops::record_attention(device_, commands, layer_spec(layer), shape, buffers);
        r.done("attention");
        if (residual) r.linear_add(*s.attn, p + "o", *residual, *s.proj, c.attention.out_bias, "o_proj");
        else r.linear(*s.attn, p + "o", *s.proj, c.attention.out_bias, "o_proj");
    };

    // Feed-forward block: `src` [n, hidden] -> `dst` [n, hidden].
    // `accumulate`: dst += the block's output (dense FFNs add it in their last product's epilogue).
    auto feed_forward = [&](uint32_t layer, const vk::Buffer& src, const vk::Buffer& dst, bool accumulate = false,
                            const ops::InputNorm* norm = nullptr) {
        if (c.moe.num_experts > 0) {
            record_moe(r, layer, src, accumulate ? *s.proj : dst);
            if (accumulate) r.add(dst, *s.proj, n * hidden);
            return;
        }
        r.ffn(c.ffn, "layers." + std::to_string(layer) + ".ffn", c.ffn.intermediate_size, c.ffn.bias, src, dst,
              *s.ffn_a, *s.ffn_b, accumulate, norm);
    };

    for (uint32_t layer = 0; layer < c.num_layers; ++layer) {
        const std::string p = "layers." + std::to_string(layer) + ".";
        if (!c.norm_before) {  // post-norm (BERT)
            attention(layer, *s.x);
            r.add(*s.x, *s.proj, n * hidden);
            r.norm(c.norm, p + "attn_norm", *s.x, *s.h, n, hidden);
            feed_forward(layer, *s.h, *s.proj);
            r.add(*s.h, *s.proj, n * hidden);
            r.norm(c.norm, p + "ffn_norm", *s.h, *s.x, n, hidden);
        } else if (c.block == BlockLayout::ParallelResidual) {
            r.norm(c.norm, p + "attn_norm", *s.x, *s.h, n, hidden);
            const vk::Buffer* ffn_in = s.h.get();
            if (!c.parallel_shared_norm) {
                r.norm(c.norm, p + "ffn_norm", *s.x, *s.h2, n, hidden);
                ffn_in = s.h2.get();
            }
            attention(layer, *s.h);
            feed_forward(layer, *ffn_in, *s.proj2);
            r.add(*s.x, *s.proj, n * hidden);
            r.add(*s.x, *s.proj2, n * hidden);
        } else {
            // Decode: the norms run inside the products that read them, and
            // the residual adds in the epilogues of the products before them.
            // A norm on a branch's output (norm.post_attention / post_ffn)
            // sits between the branch and its add: the branch writes s.proj,
            // the norm s.h2, and an add brings it into the residual stream.
            const std::string a = p + "attn.", f = p + "ffn.";
            const auto attn_norm = r.fusable_norm(c.norm, p + "attn_norm", {a + "q", a + "k", a + "v"});
            if (!attn_norm) r.norm(c.norm, p + "attn_norm", *s.x, *s.h, n, hidden);
            attention(layer, attn_norm ? *s.x : *s.h, c.norm.post_attention ? nullptr : s.x.get(),
                      attn_norm ? &*attn_norm : nullptr);
            if (c.norm.post_attention) {
                r.norm(c.norm, p + "post_attn_norm", *s.proj, *s.h2, n, hidden);
                r.add(*s.x, *s.h2, n * hidden);
            }
            std::optional<ops::InputNorm> ffn_norm;
            if (c.moe.num_experts == 0)
                ffn_norm = c.ffn.gated ? r.fusable_norm(c.norm, p + "ffn_norm", {f + "up", f + "gate"})
                                       : r.fusable_norm(c.norm, p + "ffn_norm", {f + "up"});
            if (!ffn_norm) r.norm(c.norm, p + "ffn_norm", *s.x, *s.h, n, hidden);
            const vk::Buffer& ffn_in = ffn_norm ? *s.x : *s.h;
            if (c.norm.post_ffn) {
                feed_forward(layer, ffn_in, *s.proj2, false, ffn_norm ? &*ffn_norm : nullptr);
                r.norm(c.norm, p + "post_ffn_norm", *s.proj2, *s.h2, n, hidden);
                r.add(*s.x, *s.h2, n * hidden);
            } else {
                feed_forward(layer, ffn_in, *s.x, true, ffn_norm ? &*ffn_norm : nullptr);
            }
        }
    }

    // Last-row steps hand back one row per sequence: its last token's.
    const uint32_t rows = last_only ? batch : n;
    const std::string lm = c.tie_embeddings ? "token_embd" : "lm_head";
    const vk::Buffer* final_rows = s.x.get();
    std::optional<ops::InputNorm> head_norm;  // decode: the LM head normalises its rows itself
    if (c.final_norm) {
        if (!encoder && rows == n) head_norm = r.fusable_norm(c.norm, "output_norm", {lm});
        if (!head_norm) {
            r.norm(c.norm, "output_norm", *s.x, *s.h, n, hidden);
            final_rows = s.h.get();
        }
    }
    const vk::Buffer* head_in = final_rows;
    if (last_only && !key.one_row_each) {
        // Each sequence's last row, by the index the step wrote (Inputs::last_rows).
        ops::record_embedding(device_, commands, *in.last_rows, ops::WeightMatrix{final_rows, 0, DType::F32, n, hidden},
                              *s.last_row, batch);
        r.done("copy");
        head_in = s.last_row.get();
    }
    if (encoder) {
        commands.copy(*head_in, 0, *s.out, 0, uint64_t(rows) * hidden * 4);
        r.done("copy");
        return;
    }
    // Top-k mode keeps the logits row on the device and reads back only the candidates.
    const vk::Buffer& logits = output == Output::TopK ? *s.device_logits : *s.out;
    Recorder head(device_, commands, weights_, rows, precision, options_.profile);
    head.use_split_partials(s.split_partials.get());
    head.linear(*head_in, lm, logits, c.lm_head_bias && !c.tie_embeddings, "lm_head", head_norm ? &*head_norm : nullptr);
    if (c.lm_head_bias && c.tie_embeddings) {
        ops::record_eltwise(device_, commands, ops::Eltwise::Add, logits, weights_.vector("lm_head.bias"), logits,
                            rows * c.vocab_size, c.vocab_size);
        r.done("lm_head");
    }
    if (c.final_logit_softcap > 0) {
        ops::record_soft_cap(device_, commands, logits, logits, rows * c.vocab_size, float(c.final_logit_softcap));
        r.done("lm_head");
    }
    if (output == Output::TopK) {
        ops::record_topk(device_, commands, logits, *s.topk_ids, *s.topk_values, rows, c.vocab_size,
                         std::min(options_.top_k, c.vocab_size), *s.topk_scratch);
        r.done("top_k");
    }
}

}  // namespace vkllm::plan
