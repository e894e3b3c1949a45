#include "plan/gpu_weights.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <tuple>

#include "common/block_decoders.h"
#include "common/half.h"
#include "common/parse_number.h"
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

// Block formats go to the GPU as stored; the kernels decode them
// (shaders/common/blocks/). bf16 is not among them: no kernel reads it.
bool keep_as_blocks(const TensorView& t, MatrixStorage storage) {
    return t.shape.size() == 2 && storage == MatrixStorage::AsStored && dtype_is_block(t.dtype);
}

// Q8_0 matrices whose rows are whole groups of eight blocks go to the device
// regrouped as Q8_0X8 (common/weight_types.h) where they are copied anyway:
// the same bytes, but aligned 16-byte loads for the kernels (the
// matrix-vector product of a Q8_0 8B model measured 2.08 TB/s on an H200
// against f16's 3.68, bench/RESULTS.md). Used in place, they stay as stored.
bool regrouped_q8_0(const TensorView& t, MatrixStorage storage, bool regroup) {
    return regroup && keep_as_blocks(t, storage) && t.dtype == DType::Q8_0 &&
           t.shape.back() % dtype_traits(DType::Q8_0X8).block_values == 0;
}

// A tensor in the form its device buffer holds.
struct DeviceForm {
    DType type = DType::F32;
    const void* data = nullptr;
    uint64_t bytes = 0;
    std::vector<uint8_t> owned;  // converted values, when not uploaded as stored
};

// Bytes of device_form(view, storage), without converting anything.
uint64_t device_form_bytes(const TensorView& view, MatrixStorage storage) {
    if (keep_as_blocks(view, storage)) return view.bytes;
    return view.elements() * (keep_as_f16(view, storage) ? 2 : 4);
}

// Whether the device form is the stored bytes themselves (nothing converted)
// when used in place (where nothing is regrouped).
bool stored_as_device_form(const TensorView& view, MatrixStorage storage) {
    if (keep_as_blocks(view, storage)) return true;
    return keep_as_f16(view, storage) ? view.dtype == DType::F16 : view.dtype == DType::F32;
}

DeviceForm device_form(const TensorView& view, MatrixStorage storage, bool regroup) {
    DeviceForm f;
    if (regrouped_q8_0(view, storage, regroup)) {
        f.type = DType::Q8_0X8;
        f.bytes = view.bytes;  // 8 x 34 bytes per 272-byte group
        f.owned.resize(f.bytes);
        blocks::regroup_q8_0x8(static_cast<const uint8_t*>(view.data), view.bytes / dtype_traits(DType::Q8_0X8).block_bytes,
                               f.owned.data());
        f.data = f.owned.data();
        return f;
    }
    if (view.dtype == DType::F32 && !keep_as_f16(view, storage)) {
        f.data = view.data;
        f.bytes = view.bytes;
        return f;
    }
    if (keep_as_blocks(view, storage)) {
        f.type = view.dtype;
        f.data = view.data;
        f.bytes = view.bytes;
        return f;
    }
    if (keep_as_f16(view, storage)) {
        f.type = DType::F16;
        f.bytes = view.elements() * 2;
        if (view.dtype == DType::F16) {
            f.data = view.data;
            return f;
        }
        std::vector<float> values = to_f32(view);
        f.owned.resize(f.bytes);
        auto* halves = reinterpret_cast<uint16_t*>(f.owned.data());
        for (size_t i = 0; i < values.size(); ++i) halves[i] = float_to_half(values[i]);
    } else {
        std::vector<float> values = to_f32(view);
        f.bytes = values.size() * 4;
        f.owned.resize(f.bytes);
        std::memcpy(f.owned.data(), values.data(), f.bytes);
    }
    f.data = f.owned.data();
    return f;
}

// "<prefix>.experts.<e>.<rest>" -> ("<prefix>.experts.<rest>", e).
std::optional<std::pair<std::string, uint32_t>> expert_member(const std::string& name) {
    static const std::string marker = ".experts.";
    const size_t at = name.find(marker);
    if (at == std::string::npos) return std::nullopt;
    const size_t digits = at + marker.size();
    size_t end = digits;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    if (end == digits || end >= name.size() || name[end] != '.') return std::nullopt;
    const std::optional<uint64_t> expert = parse_unsigned(std::string_view(name).substr(digits, end - digits));
    if (!expert || *expert > UINT32_MAX) return std::nullopt;  // not an expert index this engine could hold
    return std::make_pair(name.substr(0, digits) + name.substr(end + 1), uint32_t(*expert));
}

// Bytes of a device buffer of n bytes (vk::Buffer: whole words, at least one).
uint64_t buffer_bytes(uint64_t n) { return (std::max<uint64_t>(n, 4) + 3) / 4 * 4; }

// "<prefix>.gate.weight" -> "<prefix>" (nothing for other names).
std::optional<std::string> gate_prefix(const std::string& name) {
    static const std::string suffix = ".gate.weight";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return std::nullopt;
    return name.substr(0, name.size() - suffix.size());
}

}  // namespace

void GpuWeights::import_files(vk::Device& device, const ModelWeights& weights) {
    for (const auto& file : weights.files()) {
        // The whole mapping, its end rounded up to the alignment: mmap maps
        // whole pages, so that stays inside it (where the alignment is at most a page).
        const uint64_t align = device.caps().imported_host_pointer_alignment;
        const uint64_t size = (file->size() + align - 1) / align * align;
        try {
            imported_[file.get()] = std::make_shared<vk::Buffer>(device, file->data(), size, file->path(), file);
        } catch (const DeviceError& e) {
            in_place_problem_ = e.what();
        }
    }
}

std::pair<std::shared_ptr<vk::Buffer>, uint64_t> GpuWeights::in_place(vk::Device& device, const void* data,
                                                                     uint64_t bytes) const {
    const auto* p = static_cast<const uint8_t*>(data);
    const uint64_t binding_align = std::max<uint64_t>(device.caps().min_storage_buffer_alignment, 4);
    for (const auto& [file, buffer] : imported_) {
        if (p < file->data() || p + bytes > file->data() + file->size()) continue;
        const uint64_t offset = uint64_t(p - file->data());
        if (offset % binding_align != 0) return {nullptr, 0};
        return {buffer, offset};
    }
    return {nullptr, 0};
}

GpuWeights::GpuWeights(vk::Device& device, const ModelWeights& weights, MatrixStorage storage,
                       const Progress& progress, bool in_place_wanted) {
    if (!device.caps().half_conversion) {
        // The device's shaders cannot convert f16 (a driver quirk): every
        // matrix, block formats included, goes to it as f32.
        if (storage == MatrixStorage::F16)
            throw DeviceError("f16 weight storage asked for, but the shaders of " + device.caps().name +
                              " cannot convert half-precision values (a driver quirk, see `vkllm devices`)");
        storage = MatrixStorage::F32;
    }
    in_place_wanted = in_place_wanted && device.caps().unified_memory && device.caps().external_memory_host;
    if (in_place_wanted) import_files(device, weights);
    in_place_wanted = !imported_.empty();  // none imported: upload, and keep gate/up pairs fused
    const bool regroup = !in_place_wanted;  // copies may take a faster layout (regrouped_q8_0)
    const auto stored_back_to_back = [&](const TensorView& gate, const TensorView& up) {
        return stored_as_device_form(gate, storage) && stored_as_device_form(up, storage) &&
               static_cast<const uint8_t*>(up.data) == static_cast<const uint8_t*>(gate.data) + gate.bytes;
    };
    // Stacks: every member present, all of one shape and type.
    std::map<std::string, std::vector<const TensorView*>> stacks;
    for (const auto& [name, view] : weights.tensors()) {
        auto member = expert_member(name);
        if (!member || view.shape.size() != 2) continue;
        auto& members = stacks[member->first];
        if (members.size() <= member->second) members.resize(member->second + 1, nullptr);
        members[member->second] = &view;
    }
    for (const auto& [stacked, members] : stacks)
        for (size_t e = 0; e < members.size(); ++e) {
            if (!members[e]) throw Error("GPU weights: expert " + std::to_string(e) + " of '" + stacked + "' is missing");
            if (members[e]->shape != members[0]->shape || members[e]->dtype != members[0]->dtype)
                throw Error("GPU weights: the experts of '" + stacked + "' differ in shape or type (expert " +
                            std::to_string(e) + ")");
        }

    // Gate/up pairs that can share a buffer: same shape and type, and the up
    // half starting at an offset the device can bind.
    std::map<std::string, std::string> pair_of;  // member name -> "<prefix>.gate_up.weight"
    const uint64_t align = std::max<uint64_t>(device.caps().min_storage_buffer_alignment, 4);
    for (const auto& [name, view] : weights.tensors()) {
        const auto prefix = gate_prefix(name);
        if (!prefix || view.shape.size() != 2 || expert_member(name)) continue;
        auto up = weights.tensors().find(*prefix + ".up.weight");
        if (up == weights.tensors().end() || up->second.shape != view.shape || up->second.dtype != view.dtype) continue;
        if (device_form_bytes(view, storage) % align != 0) continue;
        // Used in place, a pair is one matrix only where the file holds its
        // halves back to back (llama.cpp's files put ffn_norm between them):
        // otherwise both halves stay where they are, unpaired, and decode runs
        // them as two products (the fused pass needs one stacked matrix).
        if (in_place_wanted && !stored_back_to_back(view, up->second)) continue;
        pair_of[name] = pair_of[up->first] = *prefix + ".gate_up.weight";
    }

    uint64_t total = 0, done = 0;
    for (const auto& [name, view] : weights.tensors()) total += view.bytes;
    for (const auto& [name, view] : weights.tensors()) {
        DeviceForm form = device_form(view, storage, regroup);
        auto member = view.shape.size() == 2 ? expert_member(name) : std::nullopt;
        if (member) {
            Entry& e = tensors_[member->first];
            const uint32_t count = uint32_t(stacks.at(member->first).size());
            if (!e.buffer) {
                e.type = form.type;
                e.experts = count;
                e.shape = {view.shape[0] * count, view.shape[1]};
                // In place where the file holds the experts one after another, as
                // stored (GGUF keeps each layer's experts as one 3-D tensor).
                const std::vector<const TensorView*>& members = stacks.at(member->first);
                bool contiguous = in_place_wanted;
                for (uint32_t i = 0; contiguous && i < count; ++i)
                    contiguous = stored_as_device_form(*members[i], storage) &&
                                 static_cast<const uint8_t*>(members[i]->data) ==
                                     static_cast<const uint8_t*>(members[0]->data) + uint64_t(i) * members[0]->bytes;
                if (contiguous) {
                    std::tie(e.buffer, e.offset) = in_place(device, members[0]->data, form.bytes * count);
                    if (e.buffer) in_place_bytes_ += form.bytes * count;
                }
                if (!e.buffer)
                    e.buffer = std::make_shared<vk::Buffer>(device, form.bytes * count, vk::BufferKind::Device, member->first);
                bytes_ += buffer_bytes(form.bytes * count);
                expert_bytes_ += buffer_bytes(form.bytes * count);
            }
            if (!e.buffer->imported()) vk::upload(device, *e.buffer, form.data, form.bytes, form.bytes * member->second);
        } else if (auto pair = pair_of.find(name); pair != pair_of.end()) {
            Entry& whole = tensors_[pair->second];
            const bool is_gate = gate_prefix(name).has_value();
            if (!whole.buffer) {
                whole.type = form.type;
                whole.shape = {view.shape[0] * 2, view.shape[1]};
                // In place where the file holds gate then up back to back, both as stored.
                const std::string prefix = is_gate ? *gate_prefix(name) : name.substr(0, name.size() - 10);
                const TensorView& gate = weights.tensors().at(prefix + ".gate.weight");
                const TensorView& up = weights.tensors().at(prefix + ".up.weight");
                if (in_place_wanted && stored_back_to_back(gate, up)) {
                    std::tie(whole.buffer, whole.offset) = in_place(device, gate.data, gate.bytes * 2);
                    if (whole.buffer) in_place_bytes_ += gate.bytes * 2;
                }
                if (!whole.buffer)
                    whole.buffer = std::make_shared<vk::Buffer>(device, form.bytes * 2, vk::BufferKind::Device, pair->second);
                bytes_ += buffer_bytes(form.bytes * 2);
            }
            Entry member = whole;
            member.shape = view.shape;
            member.offset = whole.offset + (is_gate ? 0 : form.bytes);
            if (!whole.buffer->imported()) vk::upload(device, *whole.buffer, form.data, form.bytes, member.offset);
            tensors_.emplace(name, std::move(member));
        } else {
            Entry e;
            e.shape = view.shape;
            e.type = form.type;
            // Matrices only: vectors are bound whole, without an offset (vector()).
            if (in_place_wanted && view.shape.size() == 2 && form.data == view.data) {
                std::tie(e.buffer, e.offset) = in_place(device, view.data, form.bytes);
                if (e.buffer) in_place_bytes_ += form.bytes;
            }
            if (!e.buffer) {
                e.buffer = std::make_shared<vk::Buffer>(device, form.bytes, vk::BufferKind::Device, name);
                vk::upload(device, *e.buffer, form.data, form.bytes);
            }
            bytes_ += buffer_bytes(form.bytes);
            tensors_.emplace(name, std::move(e));
        }
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
    if (e.experts) throw Error("GPU weights: '" + logical + "' is a stack of experts (use experts())");
    return {e.buffer.get(), e.offset, e.type, uint32_t(e.shape[0]), uint32_t(e.shape[1])};
}

ops::ExpertMatrix GpuWeights::experts(const std::string& stacked) const {
    const Entry& e = entry(stacked);
    if (!e.experts) throw Error("GPU weights: '" + stacked + "' is not a stack of experts");
    return {{e.buffer.get(), e.offset, e.type, uint32_t(e.shape[0]), uint32_t(e.shape[1])}, e.experts};
}

const vk::Buffer& GpuWeights::vector(const std::string& logical) const { return *entry(logical).buffer; }

}  // namespace vkllm::plan
