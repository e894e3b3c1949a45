#pragma once
// Layer tensors that map one to one between GGUF and the engine's logical names
// (model/weights.h): "attn_q.weight" of blk.N is "attn.q.weight" of layers.N.
// One table for the GGUF loader (gguf_weights.cpp) and the GGUF export
// (quantize_from_hf.cpp). Fused, stacked and encoder-only tensors are handled
// by the loader itself.
#include <string>
#include <string_view>

namespace vkllm {

// The logical suffix a GGUF layer suffix loads as; null when it has none.
const std::string* gguf_layer_logical(std::string_view gguf_suffix);
// The GGUF suffix llama.cpp's converter writes for a logical layer suffix
// (never an alias such as Falcon-40B's attn_norm_2); null when it has none.
const char* gguf_layer_suffix(std::string_view logical_suffix);

}  // namespace vkllm
