#include "kv/kv_type.h"

#include "vkllm/error.h"

namespace vkllm::kv {

namespace {
constexpr DType kCacheTypes[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0};

std::string choices_text() {
    std::string text;
    for (const std::string& c : cache_type_choices()) text += (text.empty() ? "" : ", ") + c;
    return text;
}
}  // namespace

std::span<const DType> cache_types() { return kCacheTypes; }

std::vector<std::string> cache_type_choices() {
    std::vector<std::string> names{"auto"};
    for (DType t : kCacheTypes) names.emplace_back(dtype_traits(t).name);
    return names;
}

std::optional<DType> parse_cache_type(std::string_view name) {
    if (name.empty() || name == "auto") return std::nullopt;
    for (DType t : kCacheTypes)
        if (name == dtype_traits(t).name) return t;
    throw InputError("KV cache type '" + std::string(name) + "' is not one of " + choices_text());
}

DType resolve_cache_type(std::optional<DType> requested, bool storage_16bit) {
    if (requested) return *requested;
    return storage_16bit ? DType::F16 : DType::F32;
}

std::string cache_type_name(std::optional<DType> type) { return type ? dtype_traits(*type).name : "auto"; }

void check_cache_type(DType type, uint32_t head_dim) {
    bool known = false;
    for (DType t : kCacheTypes) known |= t == type;
    if (!known)
        throw InputError(std::string("a KV cache cannot hold ") + dtype_traits(type).name + " (choices: " +
                         choices_text() + ")");
    const uint32_t block = dtype_traits(type).block_values;
    if (head_dim == 0 || head_dim % block != 0)
        throw InputError(std::string("a ") + dtype_traits(type).name + " KV cache stores blocks of " +
                         std::to_string(block) + " values along each head, but the model's head_dim " +
                         std::to_string(head_dim) + " is not a multiple of " + std::to_string(block) +
                         "; use an f16 or f32 KV cache");
}

bool fused_rows(DType type) { return dtype_is_block(type); }

uint64_t row_bytes(DType type, uint64_t values) {
    const DTypeTraits& t = dtype_traits(type);
    return values / t.block_values * t.block_bytes;
}

uint64_t slot_bytes(DType type, uint64_t row_values) {
    return (fused_rows(type) ? 2 : 1) * row_bytes(type, row_values);
}

}  // namespace vkllm::kv
