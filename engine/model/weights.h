#pragma once
// ModelWeights: a model's tensors under the engine's *logical* names, in the
// engine's layout, whatever file format and family they came from. The loaders
// (safetensors + Hugging Face family rules, GGUF, make-model output) build it;
// the CPU reference and the GPU upload only ever ask for logical names.
//
// Logical names and layouts (row-major, outermost dimension first):
//   token_embd.weight                 [vocab, hidden]
//   pos_embd.weight                   [max_position (+offset), hidden]   learned positions
//   token_type_embd.weight            [type_vocab, hidden]               BERT
//   embd_norm.weight / .bias          [hidden]                           BLOOM, BERT
//   layers.{i}.attn_norm.weight/.bias [hidden]   pre-norm: before attention; post-norm
//                                                (norm_before = false): after attention + residual
//   layers.{i}.attn.q.weight          [heads * head_dim, hidden]   rows head-major; within a head
//   layers.{i}.attn.k.weight          [kv_heads * head_dim, hidden] dims in Hugging Face order
//   layers.{i}.attn.v.weight          [kv_heads * head_dim, hidden] (rotate-half RoPE pairs i, i+d/2)
//   layers.{i}.attn.{q,k,v}.bias      [rows]
//   layers.{i}.attn.o.weight / .bias  [hidden, heads * head_dim] / [hidden]
//   layers.{i}.attn.q_norm.weight     [head_dim]  per-head RMSNorm (Qwen3)
//   layers.{i}.attn.k_norm.weight     [head_dim]
//   layers.{i}.post_attn_norm.weight  [hidden]   on the attention output (norm.post_attention, Gemma 2/3)
//   layers.{i}.ffn_norm.weight/.bias  [hidden]   absent for parallel residual with one shared norm
//   layers.{i}.ffn.gate.weight        [intermediate, hidden]  gated FFN only
//   layers.{i}.ffn.up.weight / .bias  [intermediate, hidden] / [intermediate]
//   layers.{i}.ffn.down.weight/.bias  [hidden, intermediate] / [hidden]
//   layers.{i}.post_ffn_norm.weight   [hidden]   on the FFN output (norm.post_ffn, Gemma 2/3)
//   layers.{i}.moe.router.weight      [experts, hidden]
//   layers.{i}.moe.experts.{e}.{gate,up,down}.weight   as ffn.*
//   layers.{i}.moe.shared.{gate,up,down}.weight        shared expert(s), as ffn.*
//   layers.{i}.moe.shared_gate.weight [1, hidden]      sigmoid gate of the shared expert
//   output_norm.weight / .bias        [hidden]
//   lm_head.weight / .bias            [vocab, hidden] / [vocab]; absent when embeddings are tied
// Fused checkpoint tensors (GPT-NeoX/BLOOM/Falcon QKV, GPT-2 Conv1D [in, out]) are
// split / transposed by the loader into these layouts.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "model/tensor.h"

namespace vkllm {

class ModelWeights {
public:
    // Throws InputError "missing tensor '<logical>' (<file name>) in <path>".
    const TensorView& get(const std::string& logical) const;
    const TensorView* find(const std::string& logical) const;
    bool has(const std::string& logical) const { return find(logical) != nullptr; }
    std::vector<std::string> names() const;
    const std::map<std::string, TensorView>& tensors() const { return tensors_; }

    // Loader side. add_view keeps a pointer into a file the ModelWeights owns
    // (add it with keep_file first); add_owned copies converted data in.
    void keep_file(std::shared_ptr<MappedFile> file) { files_.push_back(std::move(file)); }
    // The mapped files the views point into (a GPU may use them in place).
    const std::vector<std::shared_ptr<MappedFile>>& files() const { return files_; }
    void add_view(const std::string& logical, TensorView view);
    void add_owned(const std::string& logical, DType dtype, std::vector<uint64_t> shape,
                   std::vector<uint8_t> bytes, const std::string& source_name);
    void add_owned_f32(const std::string& logical, std::vector<uint64_t> shape,
                       const std::vector<float>& values, const std::string& source_name);

    std::string source;  // path shown in messages

private:
    std::vector<std::shared_ptr<MappedFile>> files_;
    std::vector<std::unique_ptr<std::vector<uint8_t>>> owned_;
    std::map<std::string, TensorView> tensors_;
    std::map<std::string, std::string> source_names_;  // logical -> name in the file
};

}  // namespace vkllm
