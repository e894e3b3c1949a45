#include "model/gguf_names.h"

namespace vkllm {
namespace {

struct LayerName {
    std::string gguf;
    std::string logical;
    bool alias;  // a second GGUF name of a tensor that has a canonical one
};

// Falcon-40B style parallel blocks name the FFN's own norm attn_norm_2.
const LayerName kLayerNames[] = {
    {"attn_norm.weight", "attn_norm.weight", false},
    {"attn_norm.bias", "attn_norm.bias", false},
    {"attn_q.weight", "attn.q.weight", false},
    {"attn_q.bias", "attn.q.bias", false},
    {"attn_k.weight", "attn.k.weight", false},
    {"attn_k.bias", "attn.k.bias", false},
    {"attn_v.weight", "attn.v.weight", false},
    {"attn_v.bias", "attn.v.bias", false},
    {"attn_output.weight", "attn.o.weight", false},
    {"attn_output.bias", "attn.o.bias", false},
    {"attn_q_norm.weight", "attn.q_norm.weight", false},
    {"attn_k_norm.weight", "attn.k_norm.weight", false},
    {"post_attention_norm.weight", "post_attn_norm.weight", false},
    {"ffn_norm.weight", "ffn_norm.weight", false},
    {"post_ffw_norm.weight", "post_ffn_norm.weight", false},
    {"ffn_norm.bias", "ffn_norm.bias", false},
    {"ffn_gate.weight", "ffn.gate.weight", false},
    {"ffn_up.weight", "ffn.up.weight", false},
    {"ffn_up.bias", "ffn.up.bias", false},
    {"ffn_down.weight", "ffn.down.weight", false},
    {"ffn_down.bias", "ffn.down.bias", false},
    {"ffn_gate_inp.weight", "moe.router.weight", false},
    {"ffn_gate_shexp.weight", "moe.shared.gate.weight", false},
    {"ffn_up_shexp.weight", "moe.shared.up.weight", false},
    {"ffn_down_shexp.weight", "moe.shared.down.weight", false},
    {"ffn_gate_inp_shexp.weight", "moe.shared_gate.weight", false},
    {"attn_norm_2.weight", "ffn_norm.weight", true},
    {"attn_norm_2.bias", "ffn_norm.bias", true},
};

}  // namespace

const std::string* gguf_layer_logical(std::string_view gguf_suffix) {
    for (const LayerName& n : kLayerNames)
        if (n.gguf == gguf_suffix) return &n.logical;
    return nullptr;
}

const char* gguf_layer_suffix(std::string_view logical_suffix) {
    for (const LayerName& n : kLayerNames)
        if (!n.alias && n.logical == logical_suffix) return n.gguf.c_str();
    return nullptr;
}

}  // namespace vkllm
