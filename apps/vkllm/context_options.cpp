#include "context_options.h"

#include "kv/kv_cache.h"
#include "kv/kv_type.h"
#include "vkllm/error.h"

namespace vkllm::cli {

void add_context_option(CLI::App& sub, uint32_t& context) {
    sub.add_option("-c,--context", context,
                   "Most tokens the sequence may hold: the KV cache size (0: the model's context, as far as device "
                   "memory allows)")
        ->check(CLI::Range(0u, 1u << 24));
}

uint32_t choose_context(const ModelConfig& model, uint32_t requested) {
    if (requested == 0) return model.max_position;
    if (requested > model.max_position)
        throw InputError("--context " + std::to_string(requested) + " is more than the model's context of " +
                         std::to_string(model.max_position) + " tokens (max_position of " + model.source_path + ")");
    return requested;
}

void add_kv_type_option(CLI::App& sub, std::string& kv_type) {
    sub.add_option("--kv-type", kv_type,
                   "KV cache element type: auto (f16 where the device has 16-bit storage, else f32), f32, f16, "
                   "q8_0 (blocks of 32 values with one f16 scale, 8.5 bits a value: 0.53x the memory of f16) or "
                   "q4_0 (4.5 bits a value); block types need a head size that is a multiple of 32")
        ->check(CLI::IsMember(kv::cache_type_choices()))
        ->capture_default_str();
}

std::optional<DType> kv_type_option(const std::string& kv_type) { return kv::parse_cache_type(kv_type); }

DType kv_type_on(const std::string& kv_type, const vk::DeviceCaps& caps) {
    return kv::resolve_cache_type(kv_type_option(kv_type), caps.storage_16bit);
}

void require_fits_context(uint64_t needed, uint64_t context, const std::string& what, const std::string& hint) {
    if (needed <= context) return;
    throw InputError(what + " needs " + std::to_string(needed) + " tokens, more than the context of " +
                     std::to_string(context) + " tokens; " + hint);
}

}  // namespace vkllm::cli
