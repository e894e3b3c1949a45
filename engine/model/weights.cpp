#include "model/weights.h"

#include <cstring>

#include "vkllm/error.h"

namespace vkllm {

const TensorView* ModelWeights::find(const std::string& logical) const {
    auto it = tensors_.find(logical);
    return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& ModelWeights::get(const std::string& logical) const {
    if (const TensorView* t = find(logical)) return *t;
    throw InputError("missing tensor '" + logical + "' in " + (source.empty() ? "model weights" : source));
}

std::vector<std::string> ModelWeights::names() const {
    std::vector<std::string> out;
    for (const auto& [name, view] : tensors_) out.push_back(name);
    return out;
}

void ModelWeights::add_view(const std::string& logical, TensorView view) {
    source_names_[logical] = view.name;
    tensors_[logical] = std::move(view);
}

void ModelWeights::add_owned(const std::string& logical, DType dtype, std::vector<uint64_t> shape,
                             std::vector<uint8_t> bytes, const std::string& source_name) {
    owned_.push_back(std::make_unique<std::vector<uint8_t>>(std::move(bytes)));
    TensorView view;
    view.name = source_name;
    view.dtype = dtype;
    view.shape = std::move(shape);
    view.data = owned_.back()->data();
    view.bytes = owned_.back()->size();
    add_view(logical, std::move(view));
}

void ModelWeights::add_owned_f32(const std::string& logical, std::vector<uint64_t> shape,
                                 const std::vector<float>& values, const std::string& source_name) {
    std::vector<uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    add_owned(logical, DType::F32, std::move(shape), std::move(bytes), source_name);
}

}  // namespace vkllm
