#include "plan/gpu_weights.h"

#include <cstring>

#include "common/half.h"
#include "vkllm/error.h"

namespace vkllm::plan {

MatrixStorage parse_matrix_storage(const std::string& name) {
    if (name == "auto" || name.empty()) return MatrixStorage::AsStored;
    if (name == "f16") return MatrixStorage::F16;
    if (name == "f32") return MatrixStorage::F32;
    throw InputError("weight storage '" + name + "' is not one of auto, f16, f32");
}

namespace {

bool keep_as_f16(const TensorView& t, MatrixStorage storage) {
    if (t.shape.size() != 2) return false;
    if (storage == MatrixStorage::F16) return true;
    if (storage == MatrixStorage::F32) return false;
    return t.dtype == DType::F16;
}

}  // namespace

GpuWeights::GpuWeights(vk::Device& device, const ModelWeights& weights, MatrixStorage storage,
                       const Progress& progress) {
    uint64_t total = 0, done = 0;
    for (const auto& [name, view] : weights.tensors()) total += view.bytes;
    for (const auto& [name, view] : weights.tensors()) {
        Entry e;
        e.shape = view.shape;
        if (view.dtype == DType::Q8_0 && view.shape.size() == 2 && storage == MatrixStorage::AsStored) {
            // Quantized blocks go to the GPU as stored; the kernels decode them.
            e.type = ops::StorageType::Q8_0;
            e.buffer = std::make_unique<vk::Buffer>(device, view.bytes, vk::BufferKind::Device, name);
            vk::upload(device, *e.buffer, view.data, view.bytes);
        } else if (keep_as_f16(view, storage)) {
            e.type = ops::StorageType::F16;
            std::vector<uint16_t> halves(view.elements());
            if (view.dtype == DType::F16) {
                std::memcpy(halves.data(), view.data, halves.size() * 2);
            } else {
                std::vector<float> values = to_f32(view);
                for (size_t i = 0; i < values.size(); ++i) halves[i] = float_to_half(values[i]);
            }
            e.buffer = std::make_unique<vk::Buffer>(device, halves.size() * 2, vk::BufferKind::Device, name);
            vk::upload(device, *e.buffer, halves.data(), halves.size() * 2);
        } else {
            std::vector<float> values = to_f32(view);
            e.buffer = std::make_unique<vk::Buffer>(device, values.size() * 4, vk::BufferKind::Device, name);
            vk::upload(device, *e.buffer, values.data(), values.size() * 4);
        }
        bytes_ += e.buffer->size();
        tensors_.emplace(name, std::move(e));
        done += view.bytes;
        if (progress) progress(done, total);
    }
}

const GpuWeights::Entry& GpuWeights::entry(const std::string& logical) const {
    auto it = tensors_.find(logical);
    if (it == tensors_.end()) throw Error("GPU weights: missing tensor '" + logical + "'");
    return it->second;
}

ops::WeightMatrix GpuWeights::matrix(const std::string& logical) const {
    const Entry& e = entry(logical);
    if (e.shape.size() != 2) throw Error("GPU weights: tensor '" + logical + "' is not a matrix");
    return {e.buffer.get(), 0, e.type, uint32_t(e.shape[0]), uint32_t(e.shape[1])};
}

const vk::Buffer& GpuWeights::vector(const std::string& logical) const { return *entry(logical).buffer; }

}  // namespace vkllm::plan
